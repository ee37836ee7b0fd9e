import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from people.models import OrgImport, ReportingLine, User
from people.selectors import current_partner_of
from tests.factories import OrgUnitFactory, ReportingLineFactory, UserFactory
from tests.people.test_import import PEOPLE, UNITS


def test_unit_list_shows_the_tree_with_heads_and_counts(login, org):
    page = login(org.hr).get(reverse("people:unit_list")).content.decode()
    assert "Department A" in page and "Department B" in page and "University" in page
    assert "Mona Manager" in page  # head of Department A


def test_unit_list_for_scoped_hr_shows_only_their_units(login, org):
    page = login(org.hr_scoped_other).get(reverse("people:unit_list")).content.decode()
    assert "Department B" in page
    assert "Department A" not in page and "University" not in page


def test_person_search_stays_inside_the_hr_scope(login, org):
    client = login(org.hr_scoped_other)
    assert "Eva Employee" not in client.get(reverse("people:unit_list"), {"q": "Eva"}).content.decode()
    assert "Olga Outsider" in client.get(reverse("people:unit_list"), {"q": "olga"}).content.decode()


def test_unit_detail_lists_people_with_their_partners(login, org):
    page = login(org.hr).get(reverse("people:unit_detail", args=[org.unit_a.pk])).content.decode()
    assert "Eva Employee" in page and "Emil Otheremployee" in page
    assert page.count("Mona Manager") >= 3  # head, and partner of both employees


def test_unit_list_and_detail_queries_do_not_grow_with_rows(login, org, django_assert_max_num_queries):
    client = login(org.hr)
    for i in range(30):
        unit = OrgUnitFactory(parent=org.unit_a)
        person = UserFactory(unit=org.unit_a, email=f"extra{i}@example.org")
        UserFactory(unit=unit, email=f"sub{i}@example.org")
        ReportingLineFactory(employee=person, partner=org.manager)
    # Session, user, HR role (twice: view and menu), units with counts, and the page's own reads:
    # a fixed number whatever the number of units and people.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("people:unit_list")).status_code == 200
    with django_assert_max_num_queries(13):
        assert (
            client.get(reverse("people:unit_detail", args=[org.unit_a.pk]), {"all": "1"}).status_code == 200
        )


def test_hr_changes_a_partner_and_the_history_shows_both(login, org):
    client = login(org.hr)
    url = reverse("people:person_detail", args=[org.employee.pk])
    line = ReportingLine.objects.get(employee=org.employee, valid_to__isnull=True)
    response = client.post(
        url,
        {"partner": org.other_manager.email, "kind": "professional_leader", "based_on": line.pk},
        follow=True,
    )
    assert "was changed" in response.content.decode()
    assert current_partner_of(org.employee) == org.other_manager
    assert ReportingLine.objects.filter(employee=org.employee).count() == 2


def test_partner_change_with_unknown_partner_says_so_and_changes_nothing(login, org):
    client = login(org.hr)
    response = client.post(
        reverse("people:person_detail", args=[org.employee.pk]),
        {"partner": "nobody@example.org", "kind": "head_of_unit"},
    )
    assert response.status_code == 200
    assert "Nobody has the employee number or email nobody@example.org" in response.content.decode()
    assert current_partner_of(org.employee) == org.manager


def test_partner_change_from_a_stale_page_is_refused(login, org):
    client = login(org.hr)
    url = reverse("people:person_detail", args=[org.employee.pk])
    seen = ReportingLine.objects.get(employee=org.employee, valid_to__isnull=True).pk
    client.post(url, {"partner": org.director.email, "kind": "head_of_unit", "based_on": seen})
    response = client.post(
        url, {"partner": org.other_manager.email, "kind": "head_of_unit", "based_on": seen}
    )
    assert "Someone else changed" in response.content.decode()
    assert current_partner_of(org.employee) == org.director


def test_import_page_preview_then_apply(login, org):
    client = login(org.hr)
    response = client.post(
        reverse("people:import_start"),
        {
            "units_file": SimpleUploadedFile("units.csv", UNITS.encode()),
            "people_file": SimpleUploadedFile("people.csv", PEOPLE.encode()),
        },
        follow=True,
    )
    page = response.content.decode()
    assert "What the import will change" in page and "Apply the import" in page
    assert not User.objects.filter(employee_number="1003").exists()  # a preview changes nothing
    record = OrgImport.objects.get()
    response = client.post(reverse("people:import_apply", args=[record.pk]), follow=True)
    assert "The import was applied." in response.content.decode()
    assert User.objects.get(employee_number="1003").unit.code == "PHY"
    # Confirming twice does not apply twice.
    response = client.post(reverse("people:import_apply", args=[record.pk]), follow=True)
    assert "already applied" in response.content.decode()


def test_import_page_lists_bad_rows_and_offers_no_apply(login, org):
    client = login(org.hr)
    response = client.post(
        reverse("people:import_start"),
        {
            "people_file": SimpleUploadedFile(
                "people.csv", (PEOPLE + "1005,A,B,bad,academic,PHY,,,\n").encode()
            ),
            "units_file": SimpleUploadedFile("units.csv", UNITS.encode()),
        },
        follow=True,
    )
    page = response.content.decode()
    assert "1 bad row" in page and "bad is not a valid email address." in page
    assert "Apply the import" not in page
    assert OrgImport.objects.get().status == OrgImport.Status.REJECTED


def test_import_page_without_files_explains(login, org):
    response = login(org.hr).post(reverse("people:import_start"), {})
    assert "Choose a units file, a people file or both." in response.content.decode()
    assert not OrgImport.objects.exists()


@pytest.mark.parametrize("role", ["hr_scoped_other", "manager", "employee"])
def test_import_is_for_whole_organisation_hr_only(login, org, role):
    response = login(getattr(org, role)).post(
        reverse("people:import_start"),
        {
            "units_file": SimpleUploadedFile("units.csv", UNITS.encode()),
        },
    )
    assert response.status_code == 404
    assert not OrgImport.objects.exists()


def test_hr_cannot_change_their_own_interview_partner(login, org):
    """Nobody uses HR's powers on their own talks: moving one's own interview to another
    partner (and cancelling its meeting) is for another HR user."""
    before = current_partner_of(org.hr)
    response = login(org.hr).post(
        reverse("people:person_detail", args=[org.hr.pk]),
        {"partner": org.other_manager.email, "kind": "professional_leader"},
    )
    assert response.status_code == 200
    assert "You cannot change your own interview partner" in response.content.decode()
    assert current_partner_of(org.hr) == before
