"""Shared fixtures: a small organisation with one user in every role.

    University (ROOT)                 head: director
      Department A (A)                head: manager     employee, other_employee -> manager
      Department B (B)                head: other_manager   outsider -> other_manager
    HR for everything: hr; HR for department B only: hr_scoped_other

The manager reports to the director (the manager's manager).
"""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.db import connection, connections
from hypothesis.configuration import set_hypothesis_home_dir

from tests.factories import HRRoleFactory, OrgUnitFactory, ReportingLineFactory, UserFactory

PASSWORD = "pw-for-tests"

# Hypothesis keeps the examples that failed (to try them first next time) and a cache of
# the source's constants: outside the checkout, where tests write nothing.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "appraisal-hypothesis")


def need_service(name: str, available: bool, why: str = "") -> None:
    """Skip a test whose real service is not configured here; in CI, fail instead."""
    if available:
        return
    message = f"needs {name}{': ' + why if why else ''}"
    if os.environ.get("REQUIRE_REAL_SERVICES"):
        pytest.fail(f"{message} (REQUIRE_REAL_SERVICES is set, so this may not be skipped)")
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter):
    if any(report.keywords.get("browser") for report in terminalreporter.stats.get("passed", [])):
        terminalreporter.write_line(f"Screenshots of the browser tests: {ARTIFACTS}")


def pytest_unconfigure(config):
    """Leave nothing behind: the run's own folder (config/settings_test.py) and the keys
    the suite and its Celery workers put in the test Redis database."""
    from django.conf import settings

    if not settings.configured:
        return
    made = os.environ.get("APPRAISAL_TEST_VAR_DIR")
    if made and Path(settings.VAR_DIR) == Path(made):
        shutil.rmtree(made, ignore_errors=True)
    redis_flush_test_db(settings.REDIS_URL)


def redis_flush_test_db(url: str) -> None:
    """Empty the Redis database the tests used, but only one they named other than 0: DB 0
    is where a server's real data usually lives."""
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    if client.connection_pool.connection_kwargs.get("db", 0) == 0:
        print(f"\nNot flushing {url}: name a test database other than 0 (redis://host:6379/15)")
        return
    with contextlib.suppress(redis.RedisError):  # no server: nothing was written to it either
        client.flushdb()


@pytest.fixture(autouse=True)
def _interface_language_reset():
    """A request as a Norwegian user leaves Norwegian active in the thread (the middleware
    activates the person's language; nothing deactivates it), and texts translated when
    shown (the import's report) would follow it into the next test."""
    from django.utils import translation

    yield
    translation.activate("en")


@pytest.fixture
def require_postgres(db):
    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL=postgres://...")


@pytest.fixture
def require_redis():
    url = os.environ.get("REDIS_URL", "")
    available = False
    if url:
        import redis

        try:
            available = redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        except redis.RedisError:
            available = False
    need_service("Redis", available, "set REDIS_URL=redis://... to a running server")
    return url


def sign_record(interview, *, text: str, comment: str = ""):
    """Write every section of the interview's record, then both parties sign: the signed record."""
    from interviews.records import record_save, record_sign
    from interviews.sections import SECTION_KEYS

    record_save(
        interview=interview,
        by=interview.partner,
        values={key: f"{text} {key}" for key in (*SECTION_KEYS, "conclusions")},
        expected_version=0,
    )
    record_sign(interview=interview, by=interview.partner, password=PASSWORD)
    return record_sign(interview=interview, by=interview.employee, password=PASSWORD, comment=comment)


@pytest.fixture
def org(db):
    root = OrgUnitFactory(code="ROOT", name="University")
    unit_a = OrgUnitFactory(code="A", name="Department A", parent=root)
    unit_b = OrgUnitFactory(code="B", name="Department B", parent=root)
    director = UserFactory(email="director@example.org", unit=root, given_name="Dora", family_name="Director")
    manager = UserFactory(email="manager@example.org", unit=unit_a, given_name="Mona", family_name="Manager")
    other_manager = UserFactory(
        email="other.manager@example.org", unit=unit_b, given_name="Otto", family_name="Othermanager"
    )
    employee = UserFactory(
        email="employee@example.org",
        unit=unit_a,
        given_name="Eva",
        family_name="Employee",
        job_kind="academic",
    )
    other_employee = UserFactory(
        email="other.employee@example.org", unit=unit_a, given_name="Emil", family_name="Otheremployee"
    )
    outsider = UserFactory(
        email="outsider@example.org", unit=unit_b, given_name="Olga", family_name="Outsider"
    )
    hr = UserFactory(email="hr@example.org", unit=root, given_name="Hanne", family_name="Hr")
    hr_scoped_other = UserFactory(email="hr.b@example.org", unit=unit_b, given_name="Hugo", family_name="Hrb")
    admin = UserFactory(
        email="admin@example.org",
        employee_number="",
        unit=None,
        is_staff=True,
        is_superuser=True,
        given_name="Ada",
        family_name="Admin",
    )
    root.head, unit_a.head, unit_b.head = director, manager, other_manager
    for unit in (root, unit_a, unit_b):
        unit.save()
    for emp, partner in [
        (employee, manager),
        (other_employee, manager),
        (manager, director),
        (other_manager, director),
        (outsider, other_manager),
        (hr, director),
        (hr_scoped_other, other_manager),
    ]:
        ReportingLineFactory(employee=emp, partner=partner)
    HRRoleFactory(user=hr, whole_organisation=True)
    HRRoleFactory(user=hr_scoped_other, whole_organisation=False).units.set([unit_b])

    class Org:
        pass

    o = Org()
    o.root, o.unit_a, o.unit_b = root, unit_a, unit_b
    o.director, o.manager, o.other_manager = director, manager, other_manager
    o.employee, o.other_employee, o.outsider = employee, other_employee, outsider
    o.hr, o.hr_scoped_other, o.admin = hr, hr_scoped_other, admin
    return o


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


# Browser tests: Debian's Chromium driven by Playwright against a live server. Screenshots
# are for a person to look at, outside the checkout (TEST_ARTIFACTS, else
# $TMPDIR/appraisal-artifacts): the run ends by saying where they are.
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS") or Path(tempfile.gettempdir()) / "appraisal-artifacts")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    # Browser tests carry the "browser" mark, so a run can leave them out (CI's SQLite pass
    # does: it runs them once, on PostgreSQL).
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def page(transactional_db, live_server):
    need_service(
        "Chromium", Path(CHROMIUM).exists() or bool(shutil.which("chromium")), "apt-get install chromium"
    )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the test's own ORM calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.base_url = live_server.url
        # Anything the Content-Security-Policy refuses (an inline script or style, a
        # request elsewhere) is a bug in a page: every browser test checks for it.
        refused = []
        page.on(
            "console",
            lambda message: (
                refused.append(message.text + " @ " + page.url + " " + str(message.location))
                if "Content Security Policy" in message.text
                else None
            ),
        )
        yield page
        browser.close()
        # Playwright keeps an event loop running in this thread, so Django kept the ORM
        # calls made meanwhile (the org fixture, the test's own) on a connection of their
        # own: left open, it keeps the PostgreSQL test database from being dropped.
        connections.close_all()
        assert not refused, refused
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def held(org):
    """The employee's interview with their manager, held two hours ago: the record is written next."""
    import datetime

    from django.utils import timezone

    from tests.factories import CycleFactory, InterviewFactory

    return InterviewFactory(
        cycle=CycleFactory(units=[org.root]),
        employee=org.employee,
        partner=org.manager,
        state="held",
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        duration_minutes=60,
    )


def log_in(page, email, password=PASSWORD):
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


# Single sign-on: a real OpenID Connect provider on 127.0.0.1 for the whole run
# (tests/sso_servers.py); each test that uses `oidc` has the site configured for it.
@pytest.fixture(scope="session")
def oidc_server():
    from tests.sso_servers import oidc_provider

    with oidc_provider() as provider:
        yield provider


@pytest.fixture
def oidc(settings, oidc_server):
    from tests.sso_servers import oidc_configure

    oidc_configure(settings, oidc_server)
    oidc_server.tamper = {}
    yield oidc_server
    oidc_server.tamper = {}


# And a real SAML 2.0 identity provider on 127.0.0.1 (pysaml2's own, tests/saml_idp.py): its
# keys and metadata in a temporary folder; each test that uses `saml` has the site configured
# for it, the provider's switches and sessions reset.
@pytest.fixture(scope="session")
def saml_server(tmp_path_factory):
    from tests.saml_idp import saml_idp

    need_service("xmlsec1", bool(shutil.which("xmlsec1")), "apt-get install xmlsec1")
    with saml_idp(tmp_path_factory.mktemp("saml-idp")) as idp:
        yield idp


@pytest.fixture
def saml(settings, saml_server):
    from tests.saml_idp import saml_configure

    saml_configure(settings, saml_server)
    saml_server.reset()
    yield saml_server
    saml_server.reset()
