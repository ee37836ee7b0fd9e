"""The access matrix: every URL x every role -> the status that role must get.

A new URL must be added here (test_every_url_is_in_the_matrix fails otherwise), so no
view can forget its access check. Outsiders get 404, never 403: they learn nothing.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from people.models import OrgImport

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
]


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
    if role != "anonymous":
        client.force_login(getattr(org, role))
    url = reverse(name, kwargs=kwargs(org) if kwargs else None)
    response = getattr(client, method)(url)
    assert response.status_code == status, f"{role} {method.upper()} {url}"
    if status == 302 and role == "anonymous" and name not in {"language_set", "logout"}:
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "status"), [("anonymous", 302), ("employee", 302), ("hr", 302), ("admin", 200)]
)
def test_admin_index_only_for_administrators(client, org, role, status):
    if role != "anonymous":
        client.force_login(getattr(org, role))
    assert client.get(reverse("admin:index")).status_code == status
