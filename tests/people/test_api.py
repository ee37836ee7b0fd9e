"""The REST API (/api/v1/): tokens, scopes, who sees what, the import, errors as problem details."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from interviews.models import Interview
from people.api_auth import token_digest
from people.models import ApiToken, AuditEntry, User
from people.services import api_token_create, api_token_revoke
from tests.factories import CycleFactory, InterviewFactory

IN_A_MONTH = datetime.date.today() + datetime.timedelta(days=30)


@pytest.fixture
def token(org):
    def make(*scopes, by=None, whole=True, units=(), name="Reporting"):
        _row, raw = api_token_create(
            by=by or org.admin,
            name=name,
            scopes=list(scopes),
            expires_on=IN_A_MONTH,
            whole_organisation=whole,
            units=list(units),
        )
        return raw

    return make


def call(client, raw, path, method="get", **kwargs):
    headers = {"Authorization": f"Bearer {raw}"} if raw else {}
    return getattr(client, method)(f"/api/v1{path}", headers=headers, **kwargs)


def test_token_is_stored_hashed_and_shown_once(org, token):
    raw = token("org:read")
    row = ApiToken.objects.get()
    assert raw.startswith(f"apt_{row.prefix}_")
    assert row.digest == token_digest(raw)
    assert raw not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert AuditEntry.objects.filter(action="api_token_created", object_id=str(row.pk)).exists()


def test_token_create_refuses_what_the_maker_may_not_give(org):
    scoped = org.hr_scoped_other
    with pytest.raises(ValidationError, match="units you are HR for"):
        api_token_create(by=scoped, name="x", scopes=["org:read"], expires_on=IN_A_MONTH, units=[org.unit_a])
    with pytest.raises(ValidationError, match="whole organisation"):
        api_token_create(
            by=scoped, name="x", scopes=["org:read"], expires_on=IN_A_MONTH, whole_organisation=True
        )
    with pytest.raises(ValidationError, match="see all of it"):
        api_token_create(by=org.admin, name="x", scopes=["scim"], expires_on=IN_A_MONTH, units=[org.unit_a])
    with pytest.raises(ValidationError, match="Only administrators and HR"):
        api_token_create(
            by=org.employee, name="x", scopes=["org:read"], expires_on=IN_A_MONTH, units=[org.unit_a]
        )
    with pytest.raises(ValidationError, match="expiry"):
        api_token_create(
            by=org.admin,
            name="x",
            scopes=["org:read"],
            expires_on=datetime.date.today(),
            whole_organisation=True,
        )
    assert not ApiToken.objects.exists()


def test_no_token_wrong_token_revoked_or_expired_gets_401_problem(client, org, token):
    raw = token("org:read")
    for presented in (None, "apt_nope_nope", raw + "x", "\x00"):
        response = call(client, presented, "/people")
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["status"] == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert call(client, raw, "/people").status_code == 200
    row = ApiToken.objects.get()
    api_token_revoke(token=row, by=org.admin)
    assert call(client, raw, "/people").status_code == 401
    ApiToken.objects.filter(pk=row.pk).update(revoked_at=None, expires_at=timezone.now())
    assert call(client, raw, "/people").status_code == 401


def test_a_signed_in_session_grants_nothing(client, org, login):
    login(org.hr)
    response = client.get("/api/v1/people")
    assert response.status_code == 401


def test_wrong_scope_gets_403(client, org, token):
    raw = token("figures:read")
    response = call(client, raw, "/people")
    assert response.status_code == 403
    assert "org:read" in response.json()["detail"]


def test_rate_limit_answers_429_with_retry_after(client, org, token, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    raw = token("org:read")
    statuses = [call(client, raw, "/units").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    response = call(client, raw, "/units")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Content-Type"].startswith("application/problem+json")


def test_each_call_is_audited_with_its_token(client, org, token):
    raw = token("org:read")
    call(client, raw, "/people")
    call(client, raw, "/cycles")  # 403: still the token's call
    row = ApiToken.objects.get()
    entries = AuditEntry.objects.filter(action="api_call", object_id=str(row.pk)).order_by("at", "pk")
    assert [(e.path, e.detail) for e in entries] == [
        ("/api/v1/people", "GET 200"),
        ("/api/v1/cycles", "GET 403"),
    ]
    assert all(e.actor_id is None and row.prefix in e.actor_email for e in entries)


def test_people_units_and_lines_of_a_scoped_token_are_its_units_only(client, org, token):
    raw = token("org:read", by=org.hr_scoped_other, whole=False, units=[org.unit_b])
    people = call(client, raw, "/people").json()
    assert {p["email"] for p in people["items"]} == {
        "other.manager@example.org",
        "outsider@example.org",
        "hr.b@example.org",
    }
    assert people["count"] == 3
    assert [u["code"] for u in call(client, raw, "/units").json()["items"]] == ["B"]
    lines = call(client, raw, "/reporting-lines").json()["items"]
    assert {line["employee_number"] for line in lines} == {
        org.other_manager.employee_number,
        org.outsider.employee_number,
        org.hr_scoped_other.employee_number,
    }
    # Another unit's code filters to nothing rather than reaching outside.
    assert call(client, raw, "/people", data={"unit": "A"}).json()["count"] == 0


def test_whole_organisation_people_are_everybody_with_an_employee_number(client, org, token):
    raw = token("org:read")
    emails = {p["email"] for p in call(client, raw, "/people", data={"limit": 1000}).json()["items"]}
    assert org.admin.email not in emails
    assert org.employee.email in emails
    unit_a = call(client, raw, "/people", data={"unit": "A"}).json()
    assert {p["unit_code"] for p in unit_a["items"]} == {"A"}


def test_bad_query_parameters_are_422_problems(client, org, token):
    raw = token("org:read")
    for params in ({"limit": "0"}, {"limit": "x"}, {"offset": "-1"}, {"active": "maybe"}, {"limit": "99999"}):
        response = call(client, raw, "/people", data=params)
        assert response.status_code == 422, params
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["errors"]


def test_list_queries_do_not_grow_with_rows(client, org, token, django_assert_max_num_queries):
    raw = token("org:read")
    for n in range(30):
        User.objects.create(email=f"many{n}@example.org", employee_number=f"M{n}", unit=org.unit_a)
    # Token, last-used, count, page, and the audit entry: the same for 3 people or 3,000.
    with django_assert_max_num_queries(7):
        assert call(client, raw, "/people", data={"limit": 1000}).status_code == 200


PEOPLE = [
    {
        "employee_number": "N1",
        "given_name": "Nina",
        "family_name": "New",
        "email": "nina@example.org",
        "job_kind": "technical",
        "unit_code": "A",
        "partner_employee_number": "",
        "partner_kind": "",
    }
]


def test_import_dry_run_previews_and_writes_nothing(client, org, token):
    raw = token("org:write")
    response = call(
        client,
        raw,
        "/org/import",
        "post",
        data={"people": PEOPLE, "dry_run": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["applied"] is False and body["summary"]["people_created"] == 1
    assert body["changes"][0]["key"] == "N1"
    assert not User.objects.filter(employee_number="N1").exists()
    applied = call(
        client, raw, "/org/import", "post", data={"people": PEOPLE}, content_type="application/json"
    )
    assert applied.json()["applied"] is True
    assert User.objects.get(employee_number="N1").unit == org.unit_a


def test_import_with_a_bad_row_applies_nothing_and_lists_it(client, org, token):
    raw = token("org:write")
    rows = [*PEOPLE, {**PEOPLE[0], "employee_number": "N2", "email": "n2@example.org", "unit_code": "NOPE"}]
    response = call(
        client, raw, "/org/import", "post", data={"people": rows}, content_type="application/json"
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"] == [{"file": "people", "line": 2, "message": "Unknown unit NOPE."}]
    assert not User.objects.filter(employee_number__in=["N1", "N2"]).exists()


def test_import_needs_org_write(client, org, token):
    raw = token("org:read")
    response = call(
        client, raw, "/org/import", "post", data={"people": PEOPLE}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not User.objects.filter(employee_number="N1").exists()


@pytest.fixture
def cycle(org):
    cycle = CycleFactory(state="open")
    cycle.units.set([org.root])
    InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager, unit=org.unit_a, state="signed")
    InterviewFactory(
        cycle=cycle, employee=org.outsider, partner=org.other_manager, unit=org.unit_b, note="SECRET-NOTE"
    )
    return cycle


def test_figures_are_the_dashboards_for_the_tokens_units(client, org, token, cycle):
    everything = call(client, token("figures:read"), f"/cycles/{cycle.pk}/figures").json()
    assert everything["totals"]["total"] == 2 and everything["totals"]["signed"] == 1
    by_code = {u["code"]: u["figures"] for u in everything["units"]}
    assert by_code["ROOT"]["total"] == 2 and by_code["A"]["signed"] == 1 and by_code["B"]["planned"] == 1
    scoped = token("figures:read", by=org.hr_scoped_other, whole=False, units=[org.unit_b])
    only_b = call(client, scoped, f"/cycles/{cycle.pk}/figures").json()
    assert [u["code"] for u in only_b["units"]] == ["B"]
    assert only_b["totals"]["total"] == 1


def test_interviews_are_states_and_dates_never_text(client, org, token, cycle):
    response = call(client, token("figures:read"), f"/cycles/{cycle.pk}/interviews")
    items = response.json()["items"]
    assert {i["state"] for i in items} == {Interview.State.SIGNED, Interview.State.PLANNED}
    assert "SECRET-NOTE" not in response.content.decode()
    assert set(items[0]) == {
        "id",
        "employee_number",
        "partner_employee_number",
        "unit_code",
        "state",
        "starts_at",
        "duration_minutes",
        "employee_shared",
        "manager_shared",
        "signed_at",
    }


def test_a_cycle_outside_the_tokens_units_is_404(client, org, token):
    other = CycleFactory(state="open")
    other.units.set([org.unit_a])
    scoped = token("figures:read", by=org.hr_scoped_other, whole=False, units=[org.unit_b])
    for path in (
        f"/cycles/{other.pk}/figures",
        f"/cycles/{other.pk}/interviews",
        "/cycles/99999999999/figures",
    ):
        response = call(client, scoped, path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/problem+json")
    assert call(client, scoped, "/cycles").json()["count"] == 0


def test_schema_and_docs_are_served_without_cdn(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/api/v1/people"]["get"]
    assert "application/problem+json" in operation["responses"]["401"]["content"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower() and b"/static/ninja/swagger-ui-bundle.js" in docs.content


def test_figures_and_interviews_queries_do_not_grow_with_rows(
    client, org, token, cycle, django_assert_max_num_queries
):
    raw = token("figures:read")
    for n in range(25):
        person = User.objects.create(email=f"p{n}@example.org", employee_number=f"P{n}", unit=org.unit_b)
        InterviewFactory(cycle=cycle, employee=person, partner=org.other_manager, unit=org.unit_b)
    # Token, last-used, the cycle, its units, one grouped count per figure, the audit entry:
    # the same for 2 interviews or 20,000.
    with django_assert_max_num_queries(12):
        assert call(client, raw, f"/cycles/{cycle.pk}/figures").status_code == 200
    with django_assert_max_num_queries(9):
        assert call(client, raw, f"/cycles/{cycle.pk}/interviews", data={"limit": 1000}).status_code == 200
    with django_assert_max_num_queries(8):
        assert call(client, raw, "/cycles").status_code == 200


def test_scim_list_queries_do_not_grow_with_rows(client, org, django_assert_max_num_queries):
    _row, raw = api_token_create(
        by=org.admin, name="Entra", scopes=["scim"], expires_on=IN_A_MONTH, whole_organisation=True
    )
    for n in range(30):
        User.objects.create(email=f"s{n}@example.org", employee_number=f"S{n}", unit=org.unit_a)
    # Token, last-used, count, the page with units and SCIM names, their partners, the audit entry.
    with django_assert_max_num_queries(7):
        response = client.get("/scim/v2/Users?count=1000", headers={"Authorization": f"Bearer {raw}"})
    assert response.json()["totalResults"] == 38  # the 8 of the org fixture with an employee number, and 30
