import datetime

from django.urls import reverse
from django.utils import timezone

from interviews.models import Interview, InterviewRecord
from tests.conftest import PASSWORD


def test_manager_records_both_sign_and_the_pdf_downloads(login, org, held, client):
    manager = login(org.manager)
    url = reverse("interviews:record", args=[held.pk])
    manager.post(
        reverse("interviews:record_save", args=[held.pk]),
        {"version": 0, "work_tasks": "More lab time", "conclusions": "Good year"},
    )
    due = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    response = manager.post(
        reverse("interviews:record_action_add", args=[held.pk]),
        {
            "owner_kind": "employee",
            "what": "Rewrite the lab manual",
            "due_on": due,
            "standard": "In use",
        },
        follow=True,
    )
    assert "The action is added." in response.content.decode()
    response = manager.post(
        reverse("interviews:record_sign", args=[held.pk]), {"password": "wrong"}, follow=True
    )
    assert "That is not your password" in response.content.decode()
    manager.post(reverse("interviews:record_sign", args=[held.pk]), {"password": PASSWORD})

    employee = client
    employee.force_login(org.employee)
    page = employee.get(url).content.decode()
    assert "More lab time" in page and "Rewrite the lab manual" in page and "Your comment (optional)" in page
    response = employee.post(
        reverse("interviews:record_sign", args=[held.pk]),
        {"password": PASSWORD, "comment": "I see it differently on teaching."},
        follow=True,
    )
    page = response.content.decode()
    assert "signed by both of you and locked" in page and "I see it differently on teaching." in page
    held.refresh_from_db()
    assert held.state == Interview.State.SIGNED
    pdf = employee.get(reverse("interviews:record_pdf", args=[held.pk, 1]))
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_hr_reads_signed_summaries_only_where_the_cycle_archives_them(client, org, held):
    from interviews.records import record_save, record_sign

    record_save(interview=held, by=org.manager, values={"conclusions": "x"}, expected_version=0)
    record_sign(interview=held, by=org.manager, password=PASSWORD)
    record_sign(interview=held, by=org.employee, password=PASSWORD)
    pdf_url = reverse("interviews:record_pdf", args=[held.pk, 1])
    client.force_login(org.hr)
    assert client.get(pdf_url).status_code == 404
    assert client.get(reverse("interviews:record", args=[held.pk])).status_code == 404
    held.cycle.archive_for_hr = True
    held.cycle.save()
    assert client.get(pdf_url).status_code == 200
    assert (
        client.get(reverse("interviews:record", args=[held.pk])).status_code == 404
    )  # never the working page
    client.force_login(org.hr_scoped_other)  # HR, but not for department A
    assert client.get(pdf_url).status_code == 404
    client.force_login(org.director)
    assert client.get(pdf_url).status_code == 404


def test_verify_page_tells_a_matching_pdf_from_a_changed_one(client, org, held):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from interviews.records import record_save, record_sign

    record_save(interview=held, by=org.manager, values={"conclusions": "x"}, expected_version=0)
    record_sign(interview=held, by=org.manager, password=PASSWORD)
    record = record_sign(interview=held, by=org.employee, password=PASSWORD)
    pdf = InterviewRecord.objects.get(pk=record.pk).pdf.read()
    client.force_login(org.employee)
    url = reverse("interviews:record_verify", args=[held.pk])
    ok = client.post(url, {"pdf": SimpleUploadedFile("s.pdf", pdf)}).content.decode()
    assert "It matches version 1" in ok
    tampered = pdf[:200] + bytes([pdf[200] ^ 1]) + pdf[201:]
    bad = client.post(url, {"pdf": SimpleUploadedFile("s.pdf", tampered)})
    assert "does not match any signed version" in bad.content.decode()
    assert "It matches version 1" in client.post(url, {"content_hash": record.content_hash}).content.decode()


def test_bad_action_input_is_explained_and_nothing_is_added(login, org, held):
    from goals.models import AgreedAction

    response = login(org.manager).post(
        reverse("interviews:record_action_add", args=[held.pk]),
        {
            "owner_kind": "other",
            "other": "",
            "what": "x",
            "standard": "y",
            "due_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        },
        follow=True,
    )
    assert "Name the person who will do it." in response.content.decode()
    assert not AgreedAction.objects.exists()


def test_pdf_download_query_count_is_fixed(client, org, held, django_assert_max_num_queries):
    from interviews.records import record_save, record_sign

    record_save(interview=held, by=org.manager, values={"conclusions": "x"}, expected_version=0)
    record_sign(interview=held, by=org.manager, password=PASSWORD)
    record_sign(interview=held, by=org.employee, password=PASSWORD)
    client.force_login(org.employee)
    # Session, user, the interview, the HR check is skipped for a party, the record, and
    # the audit entry for the download: served from storage.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("interviews:record_pdf", args=[held.pk, 1]))
    assert response.status_code == 200


def test_the_goal_form_offers_the_units_goals_as_they_stand_now(login, org, held):
    from goals.models import UnitGoal

    url = reverse("interviews:record", args=[held.pk])
    start = timezone.localdate() - datetime.timedelta(days=10)
    UnitGoal.objects.create(unit=org.root, title="Teach well", period_start=start)
    manager = login(org.manager)
    assert ">Teach well</option>" in manager.get(url).content.decode()
    # The rendered form is kept, but a goal added or renamed shows at the next page.
    UnitGoal.objects.create(unit=org.unit_a, title="Publish openly", period_start=start)
    goal = UnitGoal.objects.get(title="Teach well")
    goal.title = "Teach very well"
    goal.save()
    page = manager.get(url).content.decode()
    assert ">Publish openly</option>" in page and ">Teach very well</option>" in page
    assert ">Teach well</option>" not in page
