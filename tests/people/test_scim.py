"""SCIM 2.0 provisioning at /scim/v2/: Users through the import's checks."""

import datetime
import json

import pytest

from interviews.models import Interview
from people.importing import org_import_apply
from people.models import AuditEntry, ReportingLine, ScimIdentity, User
from people.selectors import current_partner_of
from people.services import api_token_create
from tests.factories import CycleFactory, InterviewFactory

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def scim(client, org):
    _token, raw = api_token_create(
        by=org.admin,
        name="Entra ID",
        scopes=["scim"],
        expires_on=datetime.date.today() + datetime.timedelta(days=30),
        whole_organisation=True,
    )

    def call(method, path, body=None, raw_body=None, **params):
        kwargs = {"headers": {"Authorization": f"Bearer {raw}"}}
        if raw_body is not None:
            kwargs.update(data=raw_body, content_type="application/scim+json")
        elif body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/scim+json")
        elif params:
            kwargs["data"] = params
        return getattr(client, method)(f"/scim/v2{path}", **kwargs)

    return call


def entra_user(number="E100", email="new.person@example.org", department="A", **extra):
    return {
        "schemas": [CORE, ENTERPRISE],
        "externalId": "3f0c-entra",
        "userName": email,
        "active": True,
        "name": {"givenName": "Nora", "familyName": "Newcomer"},
        "emails": [{"value": email, "type": "work", "primary": True}],
        "preferredLanguage": "nb-NO",
        ENTERPRISE: {"employeeNumber": number, "department": department, **extra},
    }


def test_create_read_and_filter_by_user_name(scim, org):
    response = scim("post", "/Users", entra_user())
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/scim+json"
    created = response.json()
    person = User.objects.get(employee_number="E100")
    assert created["id"] == str(person.pk)
    assert person.unit == org.unit_a and person.language == "nb" and person.is_active
    assert response["Location"].endswith(f"/scim/v2/Users/{person.pk}")
    found = scim("get", "/Users", filter='userName eq "NEW.person@example.org"').json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == str(person.pk)
    # People the HR file made, before the provider claims them, are found by their address.
    existing = scim("get", "/Users", filter=f'userName eq "{org.employee.email}"').json()
    assert existing["Resources"][0][ENTERPRISE]["employeeNumber"] == org.employee.employee_number
    assert scim("get", "/Users", filter='externalId eq "3f0c-entra"').json()["totalResults"] == 1


def test_paging_lists_everybody_once(scim, org):
    ids = []
    start = 1
    while True:
        page = scim("get", "/Users", startIndex=start, count=3).json()
        ids += [r["id"] for r in page.get("Resources", [])]
        if start + page["itemsPerPage"] > page["totalResults"]:
            break
        start += page["itemsPerPage"]
    assert sorted(ids) == sorted(
        str(pk) for pk in User.objects.exclude(employee_number="").values_list("pk", flat=True)
    )


def test_an_unknown_unit_is_a_scim_error_and_nothing_is_written(scim, org):
    response = scim("post", "/Users", entra_user(department="NOWHERE"))
    assert response.status_code == 400
    error = response.json()
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert error["scimType"] == "invalidValue" and "Unknown unit NOWHERE" in error["detail"]
    assert not User.objects.filter(employee_number="E100").exists()
    assert not ScimIdentity.objects.exists()


def test_a_taken_address_or_number_is_a_uniqueness_conflict(scim, org):
    assert scim("post", "/Users", entra_user(email=org.employee.email)).status_code == 409
    taken_number = scim("post", "/Users", entra_user(number=org.employee.employee_number))
    assert taken_number.status_code == 409 and taken_number.json()["scimType"] == "uniqueness"


def test_a_manager_who_would_close_a_loop_is_refused(scim, org):
    # The director's partner would be their own report's report: the import refuses loops.
    response = scim(
        "patch",
        f"/Users/{org.director.pk}",
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": str(org.employee.pk)}}
            ],
        },
    )
    assert response.status_code == 400, response.content
    assert current_partner_of(org.director) is None


def entra_sequence(scim, org) -> str:
    """What Entra ID does: create, set the manager, deactivate."""
    created = scim("post", "/Users", entra_user()).json()
    scim(
        "patch",
        f"/Users/{created['id']}",
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "add", "path": f"{ENTERPRISE}:manager", "value": {"value": str(org.manager.pk)}}
            ],
        },
    )
    response = scim(
        "patch",
        f"/Users/{created['id']}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": "False"}]},
    )
    assert response.status_code == 200, response.content
    return created["id"]


def test_entra_sequence_has_the_result_of_the_same_import(scim, org, client, django_db_blocker):
    pk = entra_sequence(scim, org)
    person = User.objects.get(pk=pk)
    line = ReportingLine.objects.get(employee=person)
    scim_result = (
        person.is_active,
        person.unit_id,
        person.email,
        person.given_name,
        line.partner_id,
        line.kind,
        line.valid_to is not None,
    )

    row = {
        "employee_number": "E200",
        "given_name": "Nora",
        "family_name": "Newcomer",
        "email": "other.new@example.org",
        "job_kind": "administrative",
        "unit_code": "A",
        "partner_employee_number": "",
        "partner_kind": "",
    }
    org_import_apply(units_data=None, people_data=json.dumps([row]))
    row.update(partner_employee_number=org.manager.employee_number, partner_kind="immediate_superior")
    org_import_apply(units_data=None, people_data=json.dumps([row]))
    others = [
        json.loads(json.dumps(r))
        for r in [
            {
                **row,
                "employee_number": p.employee_number,
                "given_name": p.given_name,
                "family_name": p.family_name,
                "email": p.email,
                "job_kind": p.job_kind,
                "unit_code": p.unit.code,
                "partner_employee_number": (
                    current_partner_of(p).employee_number if current_partner_of(p) else ""
                ),
                "partner_kind": ("immediate_superior" if current_partner_of(p) else ""),
            }
            for p in User.objects.exclude(employee_number__in=["", "E200", "E100"])
        ]
    ]
    org_import_apply(units_data=None, people_data=json.dumps(others), whole_organisation=True)
    twin = User.objects.get(employee_number="E200")
    twin_line = ReportingLine.objects.get(employee=twin)
    assert (
        twin.is_active,
        twin.unit_id,
        "other.new@example.org",
        twin.given_name,
        twin_line.partner_id,
        twin_line.kind,
        twin_line.valid_to is not None,
    ) == (
        scim_result[0],
        scim_result[1],
        "other.new@example.org",
        scim_result[3],
        scim_result[4],
        scim_result[5],
        scim_result[6],
    )
    assert scim_result[0] is False


def test_deactivation_ends_the_persons_sessions_and_open_talks(scim, org, client):
    cycle = CycleFactory(state="open")
    interview = InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager, unit=org.unit_a)
    other = client.__class__()
    other.force_login(org.employee)
    assert other.get("/").status_code == 200
    response = scim(
        "patch",
        f"/Users/{org.employee.pk}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    home = other.get("/")
    assert home.status_code == 302 and "/accounts/login/" in home["Location"]
    interview.refresh_from_db()
    assert interview.state == Interview.State.EXCUSED
    # active=true brings them back.
    back = scim(
        "patch",
        f"/Users/{org.employee.pk}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": True}]},
    )
    assert back.json()["active"] is True
    assert User.objects.get(pk=org.employee.pk).is_active


def test_a_manager_with_reports_cannot_leave_first(scim, org):
    response = scim("delete", f"/Users/{org.manager.pk}")
    assert response.status_code == 400
    assert org.employee.employee_number in response.json()["detail"]
    assert User.objects.get(pk=org.manager.pk).is_active


def test_delete_deactivates_and_forgets(scim, org):
    response = scim("delete", f"/Users/{org.outsider.pk}")
    assert response.status_code == 204
    outsider = User.objects.get(pk=org.outsider.pk)
    assert not outsider.is_active
    assert scim("get", f"/Users/{org.outsider.pk}").status_code == 404
    assert scim("delete", f"/Users/{org.outsider.pk}").status_code == 404


def test_put_replaces_and_may_renumber_the_same_person(scim, org):
    body = entra_user(
        number=org.outsider.employee_number, email="olga.new@example.org", department="Department A"
    )
    response = scim("put", f"/Users/{org.outsider.pk}", body)
    assert response.status_code == 200, response.content
    outsider = User.objects.get(pk=org.outsider.pk)
    assert outsider.email == "olga.new@example.org" and outsider.unit == org.unit_a
    # The HR system renumbered her: the same person, a new key for the import.
    renumbered = scim(
        "put", f"/Users/{org.outsider.pk}", entra_user(number="OLGA-2", email="olga.new@example.org")
    )
    assert renumbered.status_code == 200
    assert User.objects.get(pk=org.outsider.pk).employee_number == "OLGA-2"
    taken = scim(
        "put",
        f"/Users/{org.outsider.pk}",
        entra_user(number=org.employee.employee_number, email="olga.new@example.org"),
    )
    assert taken.status_code == 409 and taken.json()["scimType"] == "uniqueness"
    assert User.objects.get(pk=org.outsider.pk).employee_number == "OLGA-2"


@pytest.mark.parametrize(
    "params",
    [
        {"filter": "userName eq"},
        {"filter": 'password eq "x"'},
        {"filter": 'userName gt "a"'},
        {"filter": "\x00"},
        {"startIndex": "x"},
        {"count": "1e9"},
    ],
)
def test_bad_list_parameters_are_scim_errors(scim, org, params):
    response = scim("get", "/Users", **params)
    assert response.status_code == 400
    assert response.json()["status"] == "400"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"schemas": ["nope"]}',
        '{"userName": 5}',
        json.dumps({"schemas": [CORE], "userName": "\x00"}),
    ],
)
def test_bad_bodies_are_scim_errors(scim, org, body):
    people = User.objects.count()
    response = scim("post", "/Users", raw_body=body)
    assert response.status_code == 400, response.content
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert User.objects.count() == people


def test_the_wrong_token_scope_is_refused(client, org):
    _token, raw = api_token_create(
        by=org.admin,
        name="Reports",
        scopes=["org:read"],
        expires_on=datetime.date.today() + datetime.timedelta(days=3),
        whole_organisation=True,
    )
    response = client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 403
    assert client.get("/scim/v2/Users").status_code == 401


def test_each_scim_call_is_audited(scim, org):
    scim("get", "/Users")
    assert AuditEntry.objects.filter(action="api_call", path="/scim/v2/Users", detail="GET 200").count() == 1


def test_a_deleted_user_created_again_is_the_same_person_back(scim, org):
    assert scim("delete", f"/Users/{org.outsider.pk}").status_code == 204
    body = entra_user(number=org.outsider.employee_number, email=org.outsider.email, department="B")
    response = scim("post", "/Users", body)
    assert response.status_code == 201, response.content
    assert response.json()["id"] == str(org.outsider.pk)
    outsider = User.objects.get(pk=org.outsider.pk)
    assert outsider.is_active
    assert scim("get", f"/Users/{org.outsider.pk}").status_code == 200


def test_people_with_hr_rights_are_not_changed_over_scim(scim, org):
    body = {
        "schemas": [PATCH],
        "Operations": [
            {"op": "replace", "path": "emails", "value": [{"value": "x@evil.example", "primary": True}]}
        ],
    }
    response = scim("patch", f"/Users/{org.hr.pk}", body)
    assert response.status_code == 403
    assert scim("delete", f"/Users/{org.hr.pk}").status_code == 403
    hr = User.objects.get(pk=org.hr.pk)
    assert hr.email == "hr@example.org" and hr.is_active


@pytest.mark.parametrize("path", ["/Users/%C2%B2", "/Users/\u0661"])
def test_unicode_digits_are_not_ids(scim, org, path):
    assert scim("get", path).status_code == 404


@pytest.mark.parametrize("field", ["userName", "externalId", "department", "employeeNumber"])
def test_a_broken_surrogate_is_a_scim_error(scim, org, field):
    body = entra_user()
    if field in ("department", "employeeNumber"):
        body[ENTERPRISE][field] = "\ud800"
    else:
        body[field] = "\ud800"
    response = scim("post", "/Users", raw_body=json.dumps(body))
    assert response.status_code == 400, response.content
    assert not User.objects.filter(employee_number="E100").exists()
    search = scim("post", "/Users/.search", raw_body=json.dumps({"filter": 'userName eq "\ud800"'}))
    assert search.status_code == 400
