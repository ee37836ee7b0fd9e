"""The access matrix: every URL x every role -> the status that role must get.

A new URL must be added here (test_every_url_is_in_the_matrix fails otherwise), so no
view can forget its access check. Outsiders get 404, never 403: they learn nothing.
"""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from goals.models import UnitGoal
from interviews.models import Interview
from people.models import OrgImport
from tests.factories import CycleFactory, InterviewFactory

ROLES = [
    "anonymous",
    "employee",
    "other_employee",
    "manager",
    "director",
    "other_manager",
    "outsider",
    "hr",
    "hr_scoped_other",
    "admin",
]
HR_ONLY = {"hr": 200}
LOGGED_IN = dict.fromkeys(ROLES[1:], 200)
PARTIES = {"employee": 200, "manager": 200}
PARTIES_POST = {"employee": 302, "manager": 302}
# An empty form from one of the two parties: the page again, with the reason beside the field.
PARTIES_REFUSED = {"employee": 400, "manager": 400}
GOAL_KEEPERS_A = {"hr": 200, "manager": 200, "director": 200}
# Who watches a cycle's figures: HR for the units, and the heads of unit over their subtree.
WATCHERS_A = {"hr": 200, "director": 200, "manager": 200}
WATCHERS_B = {"hr": 200, "hr_scoped_other": 200, "director": 200, "other_manager": 200}
WATCHERS_ALL = {**WATCHERS_A, **WATCHERS_B}
# Who makes the integrations' API tokens: administrators and HR (each HR user for their units).
TOKEN_MAKERS = {"hr": 200, "hr_scoped_other": 200, "admin": 200}


def url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin checks is_staff and model permissions itself; see test_admin_*
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


# (url name, kwargs from the org, method, {role: status}, status for every other logged-in role)
MATRIX = [
    ("home", None, "get", LOGGED_IN, 200),
    ("healthz", None, "get", {"anonymous": 200}, 200),
    ("language_set", None, "post", {"anonymous": 302}, 302),
    ("login", None, "get", {"anonymous": 200}, 200),
    ("logout", None, "post", {"anonymous": 302}, 302),
    ("password_reset", None, "get", {"anonymous": 200}, 200),
    ("password_reset_done", None, "get", {"anonymous": 200}, 200),
    ("password_reset_confirm", lambda o: {"uidb64": "MQ", "token": "x-y"}, "get", {"anonymous": 200}, 200),
    ("password_reset_complete", None, "get", {"anonymous": 200}, 200),
    ("password_change", None, "get", {}, 200),
    # Single sign-on, not configured here: its pages are not found (tests/people/test_oidc.py
    # and test_saml.py run them configured). The break-glass login is the ordinary one while
    # passwords sign everybody in.
    ("login_break_glass", None, "get", {"anonymous": 302}, 302),
    ("oidc_login", None, "get", {"anonymous": 404}, 404),
    ("oidc_callback", None, "get", {"anonymous": 404}, 404),
    ("oidc_reauth", None, "get", {}, 404),
    ("saml_reauth", None, "get", {}, 404),
    ("saml_reauth_done", None, "get", {}, 404),
    ("saml2_login", None, "get", {"anonymous": 404}, 404),
    ("saml2_acs", None, "post", {"anonymous": 400}, 400),
    ("saml2_logout", None, "get", {}, 404),
    ("saml2_ls", None, "get", {"anonymous": 404}, 404),
    ("saml2_ls_post", None, "post", {"anonymous": 404}, 404),
    ("saml2_metadata", None, "get", {"anonymous": 404}, 404),
    # Each user's own reminders and email choices: nothing of anybody else's to reach.
    ("notifications", None, "get", LOGGED_IN, 200),
    ("notifications", None, "post", LOGGED_IN, 200),
    ("notifications_read", None, "post", dict.fromkeys(ROLES[1:], 302), 302),
    ("password_change_done", None, "get", {}, 200),
    ("people:unit_list", None, "get", {"hr": 200, "hr_scoped_other": 200}, 404),
    ("people:unit_detail", lambda o: {"pk": o.unit_a.pk}, "get", HR_ONLY, 404),
    ("people:unit_detail", lambda o: {"pk": o.unit_b.pk}, "get", {"hr": 200, "hr_scoped_other": 200}, 404),
    ("people:person_detail", lambda o: {"pk": o.employee.pk}, "get", HR_ONLY, 404),
    ("people:person_detail", lambda o: {"pk": o.employee.pk}, "post", {"hr": 200}, 404),
    (
        "people:person_detail",
        lambda o: {"pk": o.outsider.pk},
        "get",
        {"hr": 200, "hr_scoped_other": 200},
        404,
    ),
    ("people:import_start", None, "get", HR_ONLY, 404),
    ("people:import_start", None, "post", HR_ONLY, 404),
    ("people:import_detail", lambda o: {"pk": o.org_import.pk}, "get", HR_ONLY, 404),
    ("people:import_apply", lambda o: {"pk": o.org_import.pk}, "post", {"hr": 302}, 404),
    ("people:import_apply", lambda o: {"pk": o.org_import.pk}, "get", {}, 405),
    # Welcome emails: HR for the person or unit (scoped HR only within B); POST only.
    ("people:welcome_person", lambda o: {"pk": o.employee.pk}, "post", {"hr": 302}, 404),
    (
        "people:welcome_person",
        lambda o: {"pk": o.outsider.pk},
        "post",
        {"hr": 302, "hr_scoped_other": 302},
        404,
    ),
    ("people:welcome_person", lambda o: {"pk": o.employee.pk}, "get", {}, 405),
    ("people:welcome_unit", lambda o: {"pk": o.unit_a.pk}, "post", {"hr": 302}, 404),
    ("people:welcome_unit", lambda o: {"pk": o.unit_b.pk}, "post", {"hr": 302, "hr_scoped_other": 302}, 404),
    ("people:welcome_everyone", None, "post", {"hr": 302, "hr_scoped_other": 302}, 404),
    # The audit log: HR for the whole organisation and administrators; scoped HR does not
    # see who did what elsewhere.
    ("people:audit_log", None, "get", {"hr": 200, "admin": 200}, 404),
    ("people:audit_log_csv", None, "get", {"hr": 200, "admin": 200}, 404),
    ("people:audit_log_xlsx", None, "get", {"hr": 200, "admin": 200}, 404),
    # The integrations' API tokens: administrators and HR. An HR user revokes the tokens they
    # made, and no other: an administrator's token is not theirs, nor a colleague's.
    ("people:token_list", None, "get", TOKEN_MAKERS, 404),
    ("people:token_create", None, "get", TOKEN_MAKERS, 404),
    # An empty form: the page again, with what is missing.
    ("people:token_create", None, "post", TOKEN_MAKERS, 404),
    ("people:token_revoke", lambda o: {"pk": token_of(o, o.hr).pk}, "post", {"hr": 302, "admin": 302}, 404),
    ("people:token_revoke", lambda o: {"pk": token_of(o, o.admin).pk}, "post", {"admin": 302}, 404),
    ("people:token_revoke", lambda o: {"pk": token_of(o, o.hr).pk}, "get", {}, 405),
    # The integrations answer to bearer tokens only: a signed-in session is nobody there
    # (401 for every role, the administrator too). tests/people/test_api.py and test_scim.py
    # hold what each token may do; the schema and its docs page are public.
    ("api:openapi-json", None, "get", {"anonymous": 200}, 200),
    ("api:openapi-view", None, "get", {"anonymous": 200}, 200),
    ("api:api-root", None, "get", {"anonymous": 404}, 404),
    ("api:units_list", None, "get", {"anonymous": 401}, 401),
    ("api:people_list", None, "get", {"anonymous": 401}, 401),
    ("api:reporting_lines_list", None, "get", {"anonymous": 401}, 401),
    ("api:org_import", None, "post", {"anonymous": 401}, 401),
    ("api:cycles_list", None, "get", {"anonymous": 401}, 401),
    ("api:cycle_figures", lambda o: {"cycle_id": o.cycle.pk}, "get", {"anonymous": 401}, 401),
    ("api:cycle_interviews", lambda o: {"cycle_id": o.cycle.pk}, "get", {"anonymous": 401}, 401),
    ("scim_users", None, "get", {"anonymous": 401}, 401),
    ("scim_users", None, "post", {"anonymous": 401}, 401),
    ("scim_users_search", None, "post", {"anonymous": 401}, 401),
    ("scim_search", None, "post", {"anonymous": 401}, 401),
    ("scim_user", lambda o: {"pk": o.employee.pk}, "get", {"anonymous": 401}, 401),
    ("scim_user", lambda o: {"pk": o.employee.pk}, "delete", {"anonymous": 401}, 401),
    ("scim_config", None, "get", {"anonymous": 401}, 401),
    ("scim_resource_types", None, "get", {"anonymous": 401}, 401),
    ("scim_resource_type", lambda o: {"name": "User"}, "get", {"anonymous": 401}, 401),
    ("scim_schemas", None, "get", {"anonymous": 401}, 401),
    (
        "scim_schema",
        lambda o: {"urn": "urn:ietf:params:scim:schemas:core:2.0:User"},
        "get",
        {"anonymous": 401},
        401,
    ),
    # Cycles: HR pages. Scoped HR of department B sees the university-wide cycle (it covers B)
    # but may not change it (it covers A too).
    ("interviews:cycle_list", None, "get", {"hr": 200, "hr_scoped_other": 200}, 404),
    ("interviews:cycle_create", None, "get", {"hr": 200, "hr_scoped_other": 200}, 404),
    ("interviews:cycle_create", None, "post", {"hr": 200, "hr_scoped_other": 200}, 404),
    (
        "interviews:cycle_detail",
        lambda o: {"pk": o.cycle.pk},
        "get",
        {"hr": 200, "hr_scoped_other": 200},
        404,
    ),
    ("interviews:cycle_detail", lambda o: {"pk": o.cycle_a.pk}, "get", HR_ONLY, 404),
    ("interviews:cycle_edit", lambda o: {"pk": o.draft.pk}, "get", HR_ONLY, 404),
    ("interviews:cycle_edit", lambda o: {"pk": o.draft.pk}, "post", HR_ONLY, 404),
    # Launching and adding people: a preview first (GET), applied by a POST that confirms it;
    # a POST without the confirmation shows the preview again.
    ("interviews:cycle_launch", lambda o: {"pk": o.draft.pk}, "get", HR_ONLY, 404),
    ("interviews:cycle_launch", lambda o: {"pk": o.draft.pk}, "post", HR_ONLY, 404),
    ("interviews:cycle_add_missing", lambda o: {"pk": o.cycle.pk}, "get", HR_ONLY, 404),
    ("interviews:cycle_add_missing", lambda o: {"pk": o.cycle.pk}, "post", HR_ONLY, 404),
    ("interviews:cycle_close", lambda o: {"pk": o.cycle.pk}, "post", {"hr": 302}, 404),
    # The dashboard: HR and heads of unit, each over their own units. Status only.
    ("interviews:cycle_dashboard", lambda o: {"pk": o.cycle.pk}, "get", WATCHERS_ALL, 404),
    ("interviews:cycle_dashboard", lambda o: {"pk": o.cycle_a.pk}, "get", WATCHERS_A, 404),
    ("interviews:cycle_dashboard", lambda o: {"pk": o.draft.pk}, "get", {}, 404),
    ("interviews:cycle_dashboard_csv", lambda o: {"pk": o.cycle.pk}, "get", WATCHERS_ALL, 404),
    ("interviews:cycle_dashboard_csv", lambda o: {"pk": o.cycle_a.pk}, "get", WATCHERS_A, 404),
    # Each CSV's XLSX twin: the same view, the same checks.
    ("interviews:cycle_dashboard_xlsx", lambda o: {"pk": o.cycle.pk}, "get", WATCHERS_ALL, 404),
    ("interviews:cycle_dashboard_xlsx", lambda o: {"pk": o.cycle_a.pk}, "get", WATCHERS_A, 404),
    ("interviews:cycle_progress", lambda o: {"pk": o.cycle.pk}, "get", WATCHERS_ALL, 404),
    ("interviews:cycle_progress", lambda o: {"pk": o.cycle_a.pk}, "get", WATCHERS_A, 404),
    ("interviews:cycle_progress_csv", lambda o: {"pk": o.cycle.pk}, "get", WATCHERS_ALL, 404),
    ("interviews:cycle_progress_csv", lambda o: {"pk": o.cycle_a.pk}, "get", WATCHERS_A, 404),
    ("interviews:cycle_progress_xlsx", lambda o: {"pk": o.cycle.pk}, "get", WATCHERS_ALL, 404),
    ("interviews:cycle_progress_xlsx", lambda o: {"pk": o.cycle_a.pk}, "get", WATCHERS_A, 404),
    ("interviews:cycle_unit", lambda o: {"pk": o.cycle.pk, "unit_pk": o.unit_a.pk}, "get", WATCHERS_A, 404),
    ("interviews:cycle_unit", lambda o: {"pk": o.cycle.pk, "unit_pk": o.unit_b.pk}, "get", WATCHERS_B, 404),
    # A unit outside the cycle's tree has no figures in it, for anybody.
    ("interviews:cycle_unit", lambda o: {"pk": o.cycle_a.pk, "unit_pk": o.unit_b.pk}, "get", {}, 404),
    (
        "interviews:cycle_unit_csv",
        lambda o: {"pk": o.cycle.pk, "unit_pk": o.unit_a.pk},
        "get",
        WATCHERS_A,
        404,
    ),
    (
        "interviews:cycle_unit_csv",
        lambda o: {"pk": o.cycle.pk, "unit_pk": o.unit_b.pk},
        "get",
        WATCHERS_B,
        404,
    ),
    (
        "interviews:cycle_unit_xlsx",
        lambda o: {"pk": o.cycle.pk, "unit_pk": o.unit_a.pk},
        "get",
        WATCHERS_A,
        404,
    ),
    (
        "interviews:cycle_unit_xlsx",
        lambda o: {"pk": o.cycle.pk, "unit_pk": o.unit_b.pk},
        "get",
        WATCHERS_B,
        404,
    ),
    ("interviews:cycle_unit_xlsx", lambda o: {"pk": o.cycle_a.pk, "unit_pk": o.unit_b.pk}, "get", {}, 404),
    (
        "interviews:cycle_unit_managers",
        lambda o: {"pk": o.cycle.pk, "unit_pk": o.unit_a.pk},
        "get",
        WATCHERS_A,
        404,
    ),
    (
        "interviews:cycle_unit_managers",
        lambda o: {"pk": o.cycle.pk, "unit_pk": o.unit_b.pk},
        "get",
        WATCHERS_B,
        404,
    ),
    # Nudging is HR's, for its own units; a head of unit sees the figures but does not nudge.
    (
        "interviews:cycle_unit_nudge",
        lambda o: {"pk": o.cycle.pk, "unit_pk": o.unit_a.pk},
        "post",
        {"hr": 302},
        404,
    ),
    (
        "interviews:cycle_unit_nudge",
        lambda o: {"pk": o.cycle.pk, "unit_pk": o.unit_b.pk},
        "post",
        {"hr": 302, "hr_scoped_other": 302},
        404,
    ),
    ("interviews:cycle_unit_nudge", lambda o: {"pk": o.cycle.pk, "unit_pk": o.unit_a.pk}, "get", {}, 405),
    # Interviews: the two parties; HR of the unit sees the status and may cancel or excuse.
    ("interviews:my_interviews", None, "get", LOGGED_IN, 200),
    (
        "interviews:interview_detail",
        lambda o: {"pk": o.interview.pk},
        "get",
        {"employee": 200, "manager": 200, "hr": 200},
        404,
    ),
    ("interviews:interview_schedule", lambda o: {"pk": o.interview.pk}, "get", {"manager": 200}, 404),
    ("interviews:interview_schedule", lambda o: {"pk": o.interview.pk}, "post", {"manager": 200}, 404),
    (
        "interviews:interview_cancel",
        lambda o: {"pk": o.interview.pk},
        "post",
        {"manager": 302, "hr": 302},
        404,
    ),
    (
        "interviews:interview_excuse",
        lambda o: {"pk": o.interview.pk},
        "post",
        {"manager": 302, "hr": 302},
        404,
    ),
    (
        "interviews:interview_reopen",
        lambda o: {"pk": o.interview.pk},
        "post",
        {"manager": 302, "hr": 302},
        404,
    ),
    ("interviews:interview_held", lambda o: {"pk": o.scheduled.pk}, "post", {"manager": 302}, 404),
    # Unit goals: HR for the unit, and the heads of the unit and of the units above it.
    (
        "goals:goal_units",
        None,
        "get",
        {"hr": 200, "hr_scoped_other": 200, "manager": 200, "director": 200, "other_manager": 200},
        404,
    ),
    ("goals:unit_goals", lambda o: {"pk": o.unit_a.pk}, "get", GOAL_KEEPERS_A, 404),
    ("goals:unit_goals", lambda o: {"pk": o.unit_a.pk}, "post", GOAL_KEEPERS_A, 404),
    ("goals:goal_edit", lambda o: {"pk": o.goal.pk}, "get", GOAL_KEEPERS_A, 404),
    ("goals:goal_edit", lambda o: {"pk": o.goal.pk}, "post", GOAL_KEEPERS_A, 404),
    (
        "goals:goal_remove",
        lambda o: {"pk": o.goal.pk},
        "post",
        {"hr": 302, "manager": 302, "director": 302},
        404,
    ),
    # Agreed actions: the owner, the employee whose interview it came from, and their partner.
    ("goals:my_actions", None, "get", LOGGED_IN, 200),
    (
        "goals:action_update",
        lambda o: {"pk": action_of(o).pk},
        "post",
        {"employee": 302, "manager": 302, "outsider": 302},
        404,
    ),
    # Local guidelines: HR for the unit.
    ("interviews:guideline_edit", lambda o: {"pk": o.unit_a.pk}, "get", HR_ONLY, 404),
    ("interviews:guideline_edit", lambda o: {"pk": o.unit_a.pk}, "post", HR_ONLY, 404),
    (
        "interviews:guideline_edit",
        lambda o: {"pk": o.unit_b.pk},
        "get",
        {"hr": 200, "hr_scoped_other": 200},
        404,
    ),
    # The record: the two parties; the signed summary also for HR where the cycle archives it
    # (see tests/interviews/test_record_pages.py).
    ("interviews:record", lambda o: {"pk": o.interview.pk}, "get", PARTIES, 404),
    ("interviews:record_save", lambda o: {"pk": o.interview.pk}, "post", PARTIES_REFUSED, 404),
    ("interviews:record_action_add", lambda o: {"pk": o.interview.pk}, "post", PARTIES_REFUSED, 404),
    (
        "interviews:record_action_remove",
        lambda o: {"pk": o.interview.pk, "action_pk": 1},
        "post",
        PARTIES_POST,
        404,
    ),
    ("interviews:record_goal_add", lambda o: {"pk": o.interview.pk}, "post", PARTIES_REFUSED, 404),
    (
        "interviews:record_goal_remove",
        lambda o: {"pk": o.interview.pk, "goal_pk": 1},
        "post",
        PARTIES_POST,
        404,
    ),
    ("interviews:record_sign", lambda o: {"pk": o.interview.pk}, "post", PARTIES_REFUSED, 404),
    ("interviews:record_correct", lambda o: {"pk": o.interview.pk}, "post", PARTIES_POST, 404),
    (
        "interviews:record_pdf",
        lambda o: {"pk": signed(o).pk, "number": 1},
        "get",
        {"outsider": 200, "other_manager": 200},
        404,
    ),
    (
        "interviews:record_verify",
        lambda o: {"pk": signed(o).pk},
        "get",
        {"outsider": 200, "other_manager": 200},
        404,
    ),
    # Prep forms: only the two parties write or share; everybody else gets 404.
    (
        "interviews:prep_save",
        lambda o: {"pk": o.interview.pk},
        "post",
        {"employee": 200, "manager": 200},
        404,
    ),
    # Sharing a preparation with empty sections asks first (the page, naming them).
    (
        "interviews:prep_share",
        lambda o: {"pk": o.interview.pk},
        "post",
        {"employee": 200, "manager": 200},
        404,
    ),
    # Showing an earlier talk to a new partner: the employee's choice alone.
    ("interviews:history_share", lambda o: {"pk": o.interview.pk}, "post", {"employee": 302}, 404),
    (
        "interviews:interview_calendar",
        lambda o: {"pk": o.scheduled.pk},
        "get",
        {"other_employee": 200, "manager": 200},
        404,
    ),
]


def action_of(org):
    """An action from the employee's interview with the manager, owned by the outsider (another
    named person)."""
    from goals.models import AgreedAction

    return AgreedAction.objects.create(
        source_model="interviews.InterviewRecord",
        source_id=1,
        employee=org.employee,
        partner=org.manager,
        owner_kind="other",
        owner=org.outsider,
        what="x",
        due_on=datetime.date(2027, 1, 1),
        standard="y",
    )


def signed(org):
    """An interview of the outsider with the other manager, with a record both signed (made once)."""
    if not hasattr(org, "signed_interview"):
        from interviews.records import record_save, record_sign
        from tests.conftest import PASSWORD

        org.signed_interview = InterviewFactory(
            cycle=org.cycle,
            employee=org.outsider,
            partner=org.other_manager,
            state="held",
            starts_at=timezone.now() - datetime.timedelta(hours=2),
            duration_minutes=60,
        )
        record_save(
            interview=org.signed_interview,
            by=org.other_manager,
            values={"conclusions": "x"},
            expected_version=0,
        )
        record_sign(interview=org.signed_interview, by=org.other_manager, password=PASSWORD)
        record_sign(interview=org.signed_interview, by=org.outsider, password=PASSWORD)
    return org.signed_interview


def token_of(org, maker):
    """A live token for the whole organisation made by this person (made once per maker)."""
    made = org.__dict__.setdefault("tokens", {})
    if maker.pk not in made:
        from people.services import api_token_create

        made[maker.pk], _raw = api_token_create(
            by=maker,
            name=f"Reporting for {maker}",
            scopes=["org:read"],
            expires_on=timezone.localdate() + datetime.timedelta(days=30),
            whole_organisation=True,
        )
    return made[maker.pk]


def add_cycles(org):
    """Also a goal of department A.

    An open cycle over the university with two interviews, one for department A only, and a draft."""
    org.goal = UnitGoal.objects.create(
        unit=org.unit_a, title="Goal A", period_start=datetime.date(2026, 1, 1)
    )
    org.cycle = CycleFactory(name="All", units=[org.root])
    org.cycle_a = CycleFactory(name="Only A", units=[org.unit_a])
    org.draft = CycleFactory(name="Draft", units=[org.root], state="draft")
    org.interview = InterviewFactory(cycle=org.cycle, employee=org.employee, partner=org.manager)
    org.scheduled = InterviewFactory(
        cycle=org.cycle,
        employee=org.other_employee,
        partner=org.manager,
        state="scheduled",
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        duration_minutes=60,
    )


def test_every_url_is_in_the_matrix():
    covered = {row[0] for row in MATRIX}
    missing = sorted(set(url_names()) - covered)
    assert not missing, f"add these URLs to the access matrix: {missing}"


CASES = [
    pytest.param(
        name,
        kwargs,
        method,
        role,
        expected.get(role, 302 if role == "anonymous" else default),
        id=f"{name}-{method}-{i}-{role}",
    )
    for i, (name, kwargs, method, expected, default) in enumerate(MATRIX)
    for role in ROLES
]


@pytest.mark.parametrize(("name", "kwargs", "method", "role", "status"), CASES)
def test_access(client, org, name, kwargs, method, role, status):
    org.org_import = OrgImport.objects.create(
        created_by=org.hr, units_text="code,name,parent_code\n", units_filename="units.csv", report={}
    )
    add_cycles(org)
    if role != "anonymous":
        client.force_login(getattr(org, role))
    url = reverse(name, kwargs=kwargs(org) if kwargs else None)
    response = getattr(client, method)(url)
    assert response.status_code == status, f"{role} {method.upper()} {url}"
    if status == 302 and role == "anonymous" and name not in {"language_set", "logout", "login_break_glass"}:
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "status"), [("anonymous", 302), ("employee", 302), ("hr", 302), ("admin", 200)]
)
def test_admin_index_only_for_administrators(client, org, role, status):
    if role != "anonymous":
        client.force_login(getattr(org, role))
    assert client.get(reverse("admin:index")).status_code == status


# Every state change is a POST, and a POST without the CSRF token is refused (403) even for
# the one person it would be allowed to: one case per POST row, with its allowed role.
CSRF_CASES = [
    pytest.param(name, kwargs, role, id=f"{name}-{i}-{role}")
    for i, (name, kwargs, method, expected, default) in enumerate(MATRIX)
    if method == "post"
    for role in [
        next((r for r, code in expected.items() if code not in (404, 405) and r != "anonymous"), None)
    ]
    if role is not None and name not in {"language_set", "logout"}
]


@pytest.mark.parametrize(("name", "kwargs", "role"), CSRF_CASES)
def test_every_post_is_refused_without_a_csrf_token(org, name, kwargs, role):
    from django.test import Client

    org.org_import = OrgImport.objects.create(
        created_by=org.hr, units_text="code,name,parent_code\n", units_filename="units.csv", report={}
    )
    add_cycles(org)
    client = Client(enforce_csrf_checks=True)
    client.force_login(getattr(org, role))
    url = reverse(name, kwargs=kwargs(org) if kwargs else None)
    assert client.post(url).status_code == 403, url


def test_csrf_cases_cover_the_state_changes():
    names = {case.values[0] for case in CSRF_CASES}
    assert {"interviews:record_sign", "interviews:cycle_launch", "interviews:cycle_unit_nudge"} <= names
    assert len(CSRF_CASES) >= 20


def test_one_interview_is_visible_to_exactly_those_the_list_shows_it_to(org):
    """interview_visible_to (every interview page) and interviews_visible_to agree for every role."""
    from interviews.selectors import interview_visible_to, interviews_visible_to

    add_cycles(org)
    # And one in department B, which the scoped HR sees and department A's people do not.
    InterviewFactory(cycle=org.cycle, employee=org.outsider, partner=org.other_manager)
    interviews = list(Interview.objects.all())
    assert len(interviews) == 3
    for role in ROLES[1:]:
        user = getattr(org, role)
        listed = set(interviews_visible_to(user).values_list("pk", flat=True))
        one_by_one = {i.pk for i in interviews if interview_visible_to(user, i.pk) is not None}
        assert one_by_one == listed, role
    assert interview_visible_to(org.hr, max(i.pk for i in interviews) + 1) is None


@pytest.mark.parametrize("how", ["oidc", "saml"])
@pytest.mark.parametrize("role", ROLES[1:])
def test_access_is_the_same_for_people_signed_in_at_the_identity_provider(client, org, request, how, role):
    """Every GET row of the matrix, for a person signed in through the OpenID Connect
    provider or the SAML identity provider instead of with a password: the same answers (the
    pages check the person, not how they came in)."""
    from tests.saml_idp import saml_sign_in
    from tests.sso_servers import oidc_sign_in

    provider = request.getfixturevalue(how)
    org.org_import = OrgImport.objects.create(
        created_by=org.hr, units_text="code,name,parent_code\n", units_filename="units.csv", report={}
    )
    add_cycles(org)
    person = getattr(org, role)
    sign_in = oidc_sign_in if how == "oidc" else saml_sign_in
    assert sign_in(client, provider, person.email).status_code == 302
    assert client.session["auth_method"] == how
    for name, kwargs, method, expected, default in MATRIX:
        # The sign-in pages answer differently with a provider configured: tests/people/test_oidc.py
        # and test_saml.py.
        if method != "get" or name.startswith(("login", "oidc_", "saml")):
            continue
        url = reverse(name, kwargs=kwargs(org) if kwargs else None)
        status = expected.get(role, default)
        assert client.get(url).status_code == status, f"{role} ({how}) GET {url}"
