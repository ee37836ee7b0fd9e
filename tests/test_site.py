import json
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from people.models import HRRole, OrgUnit, ReportingLine, User
from tests.conftest import PASSWORD


def test_login_with_email_and_logout_ends_the_session(client, org):
    response = client.post(reverse("login"), {"username": "employee@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")
    assert "Eva" in client.get(reverse("home")).content.decode()
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_login_with_wrong_password_says_so(client, org):
    response = client.post(reverse("login"), {"username": "employee@example.org", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct email address and password" in response.content.decode()


def test_password_reset_sends_a_working_link_in_the_users_language(
    client, org, django_capture_on_commit_callbacks
):
    org.employee.language = "nb"
    org.employee.save()
    # The email is queued after the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "employee@example.org"})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].to == ["employee@example.org"]
    assert body.startswith("Hei Eva")  # Norwegian, the recipient's language
    link = re.search(re.escape(settings.SITE_URL.rstrip("/")) + r"(/accounts/reset/\S+)", body).group(1)
    response = client.get(link, follow=True)
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "a-New-passw0rd!", "new_password2": "a-New-passw0rd!"},
    )
    assert response.status_code == 302
    signed_in = client.post(
        reverse("login"), {"username": "employee@example.org", "password": "a-New-passw0rd!"}
    )
    assert signed_in.status_code == 302 and signed_in.url == reverse("home")


def test_an_imported_person_chooses_a_first_password_through_the_reset_link(
    client, org, django_capture_on_commit_callbacks
):
    from people.importing import org_import_apply

    report = org_import_apply(
        units_data="code,name,parent_code,head_employee_number\nA,Department A,,\n",
        people_data="employee_number,given_name,family_name,email,job_kind,unit_code,partner_employee_number,partner_kind\n"
        "7001,Nina,Ny,nina@example.org,administrative,A,,\n",
    )
    assert report.bad_rows == 0, report.errors
    assert not User.objects.get(email="nina@example.org").has_usable_password()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "Nina@example.org"})
    assert [m.to for m in mail.outbox] == [["nina@example.org"]]
    link = re.search(
        re.escape(settings.SITE_URL.rstrip("/")) + r"(/accounts/reset/\S+)", mail.outbox[0].body
    ).group(1)
    response = client.get(link, follow=True)
    client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "a-New-passw0rd!", "new_password2": "a-New-passw0rd!"},
    )
    signed_in = client.post(reverse("login"), {"username": "nina@example.org", "password": "a-New-passw0rd!"})
    assert signed_in.status_code == 302 and signed_in.url == reverse("home")


def test_a_deactivated_person_gets_no_reset_link(client, org):
    org.employee.is_active = False
    org.employee.save()
    client.post(reverse("password_reset"), {"email": "employee@example.org"})
    assert mail.outbox == []


def test_password_reset_for_unknown_address_sends_nothing_and_reveals_nothing(client, org):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_home_shows_each_role_what_it_can_do(login, org):
    assert (
        "You hold your performance assessment interview with" in login(org.employee).get("/").content.decode()
    )
    manager_page = login(org.manager).get("/").content.decode()
    assert (
        "You hold interviews with 2 people" in manager_page
        and "No cycle is open for them yet." in manager_page
    )
    hr_page = login(org.hr).get("/").content.decode()
    assert "You are HR for the whole organisation." in hr_page and reverse("people:import_start") in hr_page
    scoped = login(org.hr_scoped_other).get("/").content.decode()
    assert "You are HR for:" in scoped and reverse("people:import_start") not in scoped
    assert reverse("admin:index") in login(org.admin).get("/").content.decode()
    assert reverse("admin:index") not in login(org.employee).get("/").content.decode()


def test_language_is_chosen_per_user_and_follows_them(client, org):
    client.force_login(org.employee)
    client.post(reverse("language_set"), {"language": "nb", "next": "/"})
    org.employee.refresh_from_db()
    assert org.employee.language == "nb"
    page = client.get("/").content.decode()
    assert '<html lang="nb">' in page and "Logg ut" in page
    # Another user on the same browser gets their own language, not the cookie's.
    client.force_login(org.manager)
    assert '<html lang="en">' in client.get("/").content.decode()


def test_language_switch_refuses_foreign_redirects(client, org):
    client.force_login(org.employee)
    response = client.post(reverse("language_set"), {"language": "nb", "next": "https://evil.example/"})
    assert response.url == "/"


def test_healthz_reports_database_and_broker_without_data(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert json.loads(response.content)["database"] == "ok"
    assert set(json.loads(response.content)) == {"database", "broker"}


@pytest.mark.real_services
def test_healthz_sees_the_real_redis_broker(client, db, require_redis):
    assert json.loads(client.get(reverse("healthz")).content)["broker"] == "ok"


def test_healthz_reports_a_broker_that_is_down(client, db, settings):
    from config.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = original
    assert response.status_code == 200
    assert json.loads(response.content) == {"database": "ok", "broker": "unavailable"}


def test_seed_demo_twice_is_idempotent_and_logins_work(client, db, capsys):
    call_command("seed_demo", employees=60)
    out = capsys.readouterr().out
    assert "60 people created" in out and "manager@demo.example" in out
    counts = (User.objects.count(), OrgUnit.objects.count(), ReportingLine.objects.count())
    call_command("seed_demo", employees=60)
    assert "0 people created, 0 updated" in capsys.readouterr().out
    assert (User.objects.count(), OrgUnit.objects.count(), ReportingLine.objects.count()) == counts
    assert User.objects.exclude(employee_number="").count() == 60
    signed_in = client.post(reverse("login"), {"username": "manager@demo.example", "password": "demo"})
    assert signed_in.status_code == 302
    assert HRRole.objects.get(user__email="hr@demo.example").whole_organisation
    # Everybody but the top of the tree has a partner, of the kind that fits their job.
    employees = User.objects.exclude(employee_number="")
    assert ReportingLine.objects.filter(valid_to__isnull=True).count() == employees.count() - 1
    technical = ReportingLine.objects.filter(employee__job_kind="technical").values_list("kind", flat=True)
    assert set(technical) == {"research_group_leader"}
    administrative = ReportingLine.objects.filter(employee__job_kind="administrative").values_list(
        "kind", flat=True
    )
    assert set(administrative) == {"immediate_superior"}


def test_seed_demo_if_empty_leaves_an_existing_organisation_alone(db, org, capsys):
    call_command("seed_demo", if_empty=True)
    assert "already has an organisation" in capsys.readouterr().out
    assert not User.objects.filter(email="manager@demo.example").exists()


def test_seed_demo_scales_to_thousands(db, capsys):
    call_command("seed_demo", employees=3000)
    assert User.objects.exclude(employee_number="").count() == 3000
    assert OrgUnit.objects.count() > 40


def test_dates_read_day_first_in_both_languages(login, org):
    import datetime

    from django.utils import formats, translation

    day = datetime.date(2026, 11, 22)
    with translation.override("en"):
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "22/11/2026"
    with translation.override("nb"):
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "22.11.2026"


def test_no_template_comment_spans_lines():
    """Django's {# #} comment ends at the line's end: one that spans lines is printed on the
    page (and a "<style>" in it was once parsed as a style element the CSP refused)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    broken = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.count("{#") > line.count("#}")
    ]
    assert broken == []
