"""Hostile input outside the forms: every GET parameter of every URL, the admin's change lists,
the login form, and every import format. Never a 500, and a refusal changes nothing.

Property-based (hypothesis), on PostgreSQL in CI, where NUL bytes, lone surrogates and column
lengths are enforced by the database rather than quietly stored.
"""

import json
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from people.importing import PEOPLE_COLUMNS, PEOPLE_OPTIONAL, UNIT_COLUMNS, UNIT_OPTIONAL, org_import_apply
from people.models import OrgImport, OrgUnit, User
from tests.conftest import PASSWORD
from tests.test_access import MATRIX, add_cycles, signed
from tests.test_bad_input import fingerprint

# Every query parameter a page of ours reads, the admin's own, and some nobody reads.
PARAMETERS = [
    "q",
    "state",
    "sort",
    "dir",
    "page",
    "unit",
    "expand",
    "children",
    "all",
    "who",
    "action",
    "object",
    "since",
    "until",
    "next",
    "o",
    "p",
    "e",
    "_facets",
    "_to_field",
    "_popup",
    "language",
    "id__exact",
    "pk",
    "x",
]

# Already in the query string's own encoding: what a browser, a script or a proxy may send.
RAW = [
    "",
    "%00",
    "a%00b",
    "%ED%A0%80",  # a lone surrogate (U+D800) as UTF-8 would write it: not UTF-8
    "%ED%B0%80abc",
    "%FF%FE%FD",
    "%C0%AF",
    "%F4%90%80%80",  # beyond U+10FFFF
    "x" * 1_000_000,
    "99999999999999999999",
    "-99999999999999999999",
    "-1",
    "0",
    "1e309",
    "NaN",
    "%5B%5D",
    "%7B%7D",
    "true",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%27%3B%20DROP%20TABLE%20people_user%3B%20--",
    "..%2F..%2Fetc%2Fpasswd",
    "%0D%0ASet-Cookie%3A%20x%3Dy",
    "http%3A%2F%2Fevil.example%2F",
    "%2F%2Fevil.example",
]
VALUE = st.one_of(
    st.sampled_from(RAW),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30).map(lambda t: quote(t, safe="")),
)
QUERY = st.lists(st.tuples(st.sampled_from(PARAMETERS), VALUE), max_size=6).map(
    lambda pairs: "&".join(f"{key}={value}" for key, value in pairs)
)
HYPOTHESIS = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

GETS = [
    pytest.param(name, kwargs, role, id=f"{name}-{i}")
    for i, (name, kwargs, method, expected, default) in enumerate(MATRIX)
    if method == "get"
    for role in [next((r for r, code in expected.items() if code < 400), None) if expected else "employee"]
    if role is not None
]


def _prepare(org):
    if not hasattr(org, "cycle"):
        add_cycles(org)
        signed(org)
        org.org_import = OrgImport.objects.create(
            created_by=org.hr, units_text="code,name,parent_code\n", units_filename="units.csv", report={}
        )


def _get(client, url, query):
    with transaction.atomic():
        before = fingerprint()
        response = client.get(url, QUERY_STRING=query)
        assert response.status_code < 500, (url, query[:200])
        # Reading changes nothing, whatever it was asked.
        assert fingerprint() == before, (url, query[:200])
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize(("name", "kwargs", "role"), GETS)
@HYPOTHESIS
@given(query=QUERY)
@example(query="&".join(f"{p}=%00" for p in PARAMETERS))
@example(query="&".join(f"{p}=%ED%A0%80" for p in PARAMETERS))
@example(query="&".join(f"{p}=99999999999999999999" for p in PARAMETERS))
@example(query="q=" + "x" * 1_000_000)
@example(query="unit=99999999999999999999&children=99999999999999999999&page=99999999999999999999")
def test_no_query_breaks_a_page(client, org, name, kwargs, role, query):
    _prepare(org)
    if role != "anonymous":
        client.force_login(getattr(org, role))
    _get(client, reverse(name, kwargs=kwargs(org) if kwargs else None), query)


def test_a_nul_in_a_search_is_answered_in_words(client, org):
    _prepare(org)
    client.force_login(org.hr)
    response = client.get(reverse("people:unit_list"), QUERY_STRING="q=%00")
    assert response.status_code == 400
    assert "invisible null character" in response.content.decode()
    client.force_login(org.manager)
    assert client.get(reverse("interviews:my_interviews"), QUERY_STRING="q=a%00").status_code == 400


ADMIN_LISTS = [
    pytest.param(model, id=model._meta.label)
    for model in admin.site._registry
    if model._meta.app_label in {"people", "interviews", "goals"}
]


@pytest.mark.parametrize("model", ADMIN_LISTS)
@HYPOTHESIS
@given(pairs=st.lists(st.tuples(st.integers(0, 40), VALUE), max_size=5))
@example(pairs=[(i, "%00") for i in range(12)])
@example(pairs=[(i, "99999999999999999999") for i in range(12)])
def test_no_query_breaks_an_admin_change_list(client, org, model, pairs):
    """The administrator's filters, search, sort and pages, with what a script might send."""
    _prepare(org)
    client.force_login(org.admin)
    model_admin = admin.site._registry[model]
    names = sorted(model_admin.filter_parameters(None)) + ["q", "o", "p", "e", "all", "_facets"]
    query = "&".join(f"{names[i % len(names)]}={value}" for i, value in pairs)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    _get(client, url, query)


# --- the login form ------------------------------------------------------------------


@pytest.mark.parametrize(
    "username",
    ["x" * 300 + "@example.org", "a\x00b@example.org", "", " ", "x" * 100_000, "é" * 260],
    ids=["300-chars", "nul", "empty", "space", "100k", "accents"],
)
def test_a_hostile_login_is_a_failed_login_not_a_500(client, org, username):
    response = client.post(reverse("login"), {"username": username, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct email address and password" in response.content.decode() or (
        "This field is required" in response.content.decode()
        or "at most" in response.content.decode()
        or "Null characters are not allowed" in response.content.decode()
    )
    response = client.post(reverse("admin:login"), {"username": username, "password": "wrong"})
    assert response.status_code == 200


def test_a_huge_password_is_refused_before_it_is_hashed(client, org):
    response = client.post(reverse("login"), {"username": org.employee.email, "password": "p" * 5000})
    assert response.status_code == 200 and "at most 4096 characters" in response.content.decode()


def test_login_matches_the_address_whatever_its_capitals(client, org):
    response = client.post(reverse("login"), {"username": "  Employee@EXAMPLE.org ", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")


def test_one_mailbox_is_one_person_whatever_its_capitals(org):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="EMPLOYEE@example.org", employee_number="990001")


# --- import files ----------------------------------------------------------------------

UNITS_HEADER = "code,name,parent_code\n"
PEOPLE_HEADER = (
    "employee_number,given_name,family_name,email,job_kind,unit_code,partner_employee_number,partner_kind\n"
)
JSON_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True),
        st.text(max_size=20),
        st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfffy", "x" * 300, "A", "ROOT"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
UNIT_KEYS = UNIT_COLUMNS + UNIT_OPTIONAL
PEOPLE_KEYS = PEOPLE_COLUMNS + PEOPLE_OPTIONAL


def _json(rows) -> str:
    # ensure_ascii keeps lone surrogates and NULs as the escapes an HR system's export holds.
    return json.dumps(rows, ensure_ascii=True, allow_nan=True)


FILES = st.one_of(
    # JSON rows with the right keys and hostile values, of every type.
    st.lists(st.fixed_dictionaries({k: JSON_VALUE for k in PEOPLE_KEYS}), max_size=3).map(_json),
    st.lists(st.fixed_dictionaries({k: JSON_VALUE for k in UNIT_KEYS}), max_size=3).map(_json),
    # Anything at all as JSON, and raw bytes.
    JSON_VALUE.map(_json),
    st.binary(max_size=200),
    # CSV with hostile cells.
    st.lists(
        st.lists(
            st.sampled_from(["", "A", "x" * 300, '"', "a,b", "é", "\r", "\x00"]), min_size=8, max_size=8
        ),
        max_size=3,
    ).map(lambda rows: PEOPLE_HEADER + "\n".join(",".join(r) for r in rows)),
)


def _org_state():
    return (
        list(OrgUnit.objects.order_by("pk").values_list("pk", "code", "name", "parent_id", "head_id")),
        list(
            User.objects.order_by("pk").values_list(
                "pk", "email", "given_name", "family_name", "unit_id", "language"
            )
        ),
        fingerprint(),
    )


@HYPOTHESIS
@given(units=st.one_of(st.none(), FILES), people=st.one_of(st.none(), FILES))
@example(units="[" * 100_000 + "]" * 100_000, people=None)
@example(units=None, people="{" * 50_000 + '"a":' * 1 + "}" * 50_000)
@example(units='[{"code":"\\u0000","name":"x","parent_code":""}]', people=None)
@example(units='[{"code":"A\\ud800","name":"x","parent_code":""}]', people=None)
@example(units='[{"code":"B","name":"\\udfff","parent_code":""}]', people=None)
@example(units='[{"code":"B","name":{"nested":[1,2]},"parent_code":""}]', people=None)
@example(units="[1, 2, 3]", people='"just a string"')
@example(units=None, people=PEOPLE_HEADER + "1,Ann," + "x" * 200 + ",ann@example.org,administrative,A,,\n")
@example(units=None, people=PEOPLE_HEADER + "1,Ann,Ny," + "a" * 250 + "@example.org,administrative,A,,\n")
@example(units=b"\xff\xfe\x00\x00code", people=b"\x00\x01\x02")
def test_no_import_file_breaks_the_import_or_half_applies(org, units, people):
    """Whatever the files hold, the import answers with a report (stored as HR's page stores
    it) and applies all of it or nothing."""
    if units is None and people is None:
        return
    with transaction.atomic():
        before = _org_state()
        report = org_import_apply(units_data=units, people_data=people)
        # The report is kept in a JSON column: it must be storable, on PostgreSQL too.
        with transaction.atomic():
            OrgImport.objects.create(created_by=org.hr, report=report.as_dict())
        if not report.applied:
            assert _org_state()[:2] == before[:2]
        transaction.set_rollback(True)


@HYPOTHESIS
@given(units=FILES, people=FILES, as_json=st.booleans())
@example(units="[" * 100_000, people='[{"employee_number":"\\u0000"}]', as_json=True)
# Zip archives that are no workbook: refused on line 0 as such (people/importing.py _xlsx_text).
@example(units=b"PK\x03\x04" + b"\x00" * 40, people="PK\x03\x04[Content_Types].xml", as_json=False)
def test_no_uploaded_file_breaks_hrs_import_page(client, org, units, people, as_json):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(org.hr)
    suffix = "json" if as_json else "csv"
    data = {
        "units_file": SimpleUploadedFile(
            f"units.{suffix}", units.encode("utf-8", "surrogatepass") if isinstance(units, str) else units
        ),
        "people_file": SimpleUploadedFile(
            f"people.{suffix}", people.encode("utf-8", "surrogatepass") if isinstance(people, str) else people
        ),
    }
    with transaction.atomic():
        before = _org_state()
        response = client.post(reverse("people:import_start"), data)
        assert response.status_code < 500
        assert _org_state()[:2] == before[:2]  # a check never changes the organisation
        transaction.set_rollback(True)


def test_a_session_cookie_django_could_not_have_made_is_no_session(client, org):
    """Python's cookie parser turns a quoted "\\000" into a NUL, which PostgreSQL cannot compare."""
    for cookie in ('sessionid="\\000aaaaaaaaaa"', "sessionid=" + "x" * 5000, "sessionid=" + "é" * 40):
        response = client.get(reverse("home"), HTTP_COOKIE=cookie)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), cookie[:40]


def test_one_address_in_upper_case_is_not_another_person(client, org):
    """PostgreSQL's iexact compares in upper case, where "ſam@" (long s) and "sam@" meet."""
    from django.contrib.auth.hashers import make_password

    User.objects.create(email="sam@example.org", employee_number="88001", password=make_password(PASSWORD))
    User.objects.create(email="ſam@example.org", employee_number="88002", password=make_password("other-pw"))
    response = client.post(reverse("login"), {"username": "SAM@example.org", "password": PASSWORD})
    assert response.status_code == 302
