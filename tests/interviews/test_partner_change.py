"""A talk's content belongs to the two people who had it: after a change of partner, the new
partner reads the earlier talk only if the employee shows it to them, and never changes what
was agreed in it (PRODUCT.md, confidentiality)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from goals.models import AgreedAction
from interviews.models import Interview, InterviewRecord, PrepForm
from interviews.records import RECORD_LABEL, record_save, record_sign
from people.services import reporting_line_change
from tests.conftest import PASSWORD
from tests.factories import CycleFactory, InterviewFactory

CONCLUSION = "LAST-YEARS-CONCLUSION"
ACTION = "LAST-YEARS-ACTION"


def _sign(interview, *, conclusions="", action=None):
    record_save(
        interview=interview, by=interview.partner, values={"conclusions": conclusions}, expected_version=0
    )
    if action:
        draft = InterviewRecord.objects.get(interview=interview)
        AgreedAction.objects.create(
            source_model=RECORD_LABEL,
            source_id=draft.pk,
            employee=interview.employee,
            partner=interview.partner,
            owner_kind="employee",
            owner=interview.employee,
            what=action,
            standard=action,
            due_on=timezone.localdate() + datetime.timedelta(days=30),
        )
    record_sign(interview=interview, by=interview.partner, password=PASSWORD)
    return record_sign(interview=interview, by=interview.employee, password=PASSWORD)


@pytest.fixture
def moved(org, django_capture_on_commit_callbacks):
    """Last year's talk of the employee with the manager, signed, with an open action; then the
    employee's partner became the other manager, who holds this year's interview."""
    last_year = InterviewFactory(
        cycle=CycleFactory(
            name="Talks 2025",
            units=[org.root],
            opens_on=datetime.date(2025, 1, 1),
            closes_on=datetime.date(2025, 12, 31),
        ),
        employee=org.employee,
        partner=org.manager,
        state="held",
        starts_at=timezone.now() - datetime.timedelta(days=300),
        duration_minutes=60,
    )
    with django_capture_on_commit_callbacks(execute=True):
        _sign(last_year, conclusions=CONCLUSION, action=ACTION)
        reporting_line_change(employee=org.employee, partner=org.other_manager, kind="immediate_superior")
    org.last_year = last_year
    org.action = AgreedAction.objects.get(what=ACTION)
    org.this_year = InterviewFactory(
        cycle=CycleFactory(name="Talks 2026", units=[org.root]),
        employee=org.employee,
        partner=org.other_manager,
    )
    mail.outbox.clear()
    return org


def _pages(client, org):
    """Everything the new partner's pages about this employee show."""
    urls = [
        reverse("interviews:interview_detail", args=[org.this_year.pk]),
        reverse("interviews:record", args=[org.this_year.pk]),
        reverse("goals:my_actions"),
        reverse("home"),
        reverse("interviews:my_interviews"),
    ]
    return "".join(client.get(url).content.decode() for url in urls)


def test_the_new_partner_is_told_there_is_an_earlier_talk_but_not_what_it_says(login, moved):
    client = login(moved.other_manager)
    pages = _pages(client, moved)
    assert CONCLUSION not in pages and ACTION not in pages
    assert "had a signed interview in Talks 2025 with another partner" in pages
    # The earlier talk itself, its summary and its action stay out of reach.
    assert client.get(reverse("interviews:interview_detail", args=[moved.last_year.pk])).status_code == 404
    assert client.get(reverse("interviews:record", args=[moved.last_year.pk])).status_code == 404
    assert client.get(reverse("interviews:record_pdf", args=[moved.last_year.pk, 1])).status_code == 404
    response = client.post(reverse("goals:action_update", args=[moved.action.pk]), {"status": "dropped"})
    assert response.status_code == 404
    moved.action.refresh_from_db()
    assert moved.action.status == "open"


def test_the_employee_chooses_to_show_it_and_can_take_it_back(
    login, moved, django_capture_on_commit_callbacks
):
    employee = login(moved.employee)
    page = employee.get(reverse("interviews:interview_detail", args=[moved.this_year.pk])).content.decode()
    assert CONCLUSION in page and ACTION in page  # the employee's own talk
    assert "Show its conclusions and actions to Otto Othermanager" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = employee.post(
            reverse("interviews:history_share", args=[moved.this_year.pk]), {"share": "1"}
        )
    assert response.status_code == 302 and response.url.endswith("#section-follow_up")
    # The new partner is told, with a link and without a word of the talk.
    [told] = mail.outbox
    assert told.to == [moved.other_manager.email]
    assert told.subject == "Eva Employee has shown you their previous interview"
    assert CONCLUSION not in told.body and ACTION not in told.body
    assert reverse("interviews:interview_detail", args=[moved.this_year.pk]) in told.body

    partner = login(moved.other_manager)
    for name in ("interviews:interview_detail", "interviews:record"):
        shown = partner.get(reverse(name, args=[moved.this_year.pk])).content.decode()
        assert CONCLUSION in shown and ACTION in shown
    # Reading is not changing: the action stays with its owner and the two who agreed it.
    assert (
        partner.post(
            reverse("goals:action_update", args=[moved.action.pk]), {"status": "dropped"}
        ).status_code
        == 404
    )

    employee = login(moved.employee)
    employee.post(reverse("interviews:history_share", args=[moved.this_year.pk]), {"share": "0"})
    assert CONCLUSION not in _pages(login(moved.other_manager), moved)


def test_a_choice_is_for_one_partner_and_does_not_pass_to_the_next(
    login, moved, django_capture_on_commit_callbacks
):
    login(moved.employee).post(reverse("interviews:history_share", args=[moved.this_year.pk]), {"share": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        reporting_line_change(employee=moved.employee, partner=moved.director, kind="head_of_unit")
    moved.this_year.refresh_from_db()
    assert moved.this_year.partner == moved.director
    client = login(moved.director)
    pages = _pages(client, moved)
    assert CONCLUSION not in pages and ACTION not in pages
    assert "with another partner" in pages


@pytest.mark.parametrize("role", ["manager", "other_manager", "director", "hr"])
def test_only_the_employee_shows_their_earlier_talk(client, moved, role):
    client.force_login(getattr(moved, role))
    response = client.post(reverse("interviews:history_share", args=[moved.this_year.pk]), {"share": "1"})
    assert response.status_code == 404
    moved.this_year.refresh_from_db()
    assert moved.this_year.history_shared_with is None


def test_there_is_nothing_to_show_where_the_partner_held_the_earlier_talk(login, org):
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]), employee=org.employee, partner=org.manager
    )
    response = login(org.employee).post(
        reverse("interviews:history_share", args=[interview.pk]), {"share": "1"}, follow=True
    )
    assert "There is no earlier talk with another partner to show." in response.content.decode()
    interview.refresh_from_db()
    assert interview.history_shared_with is None


def test_the_old_partner_and_the_owner_still_follow_up_what_they_agreed(login, moved):
    # The manager held that talk: its record and its action are still theirs too.
    manager = login(moved.manager)
    assert CONCLUSION in manager.get(reverse("interviews:record", args=[moved.last_year.pk])).content.decode()
    response = manager.post(reverse("goals:action_update", args=[moved.action.pk]), {"status": "in_progress"})
    assert response.status_code == 302
    page = login(moved.employee).get(reverse("goals:my_actions")).content.decode()
    assert ACTION in page
    moved.action.refresh_from_db()
    assert moved.action.status == "in_progress"


@pytest.mark.parametrize("shown", [False, True], ids=["not-shown", "shown"])
def test_a_talk_reviews_only_what_its_partner_was_shown(
    login, moved, shown, django_capture_on_commit_callbacks
):
    if shown:
        login(moved.employee).post(
            reverse("interviews:history_share", args=[moved.this_year.pk]), {"share": "1"}
        )
    Interview.objects.filter(pk=moved.this_year.pk).update(
        state="held", starts_at=timezone.now() - datetime.timedelta(hours=2), duration_minutes=60
    )
    moved.this_year.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        _sign(moved.this_year, conclusions="This year")
    moved.action.refresh_from_db()
    assert (moved.action.reviewed_at is not None) is shown


def test_the_employees_shared_prep_is_private_again_for_the_new_partner(
    login, org, django_capture_on_commit_callbacks
):
    """Its leadership section was feedback about the old partner: not the new one's to read."""
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]), employee=org.employee, partner=org.manager
    )
    PrepForm.objects.create(
        interview=interview, role="employee", author=org.employee, state="shared", leadership="ABOUT-MONA"
    )
    PrepForm.objects.create(interview=interview, role="manager", author=org.manager, work_tasks="MONAS-DRAFT")
    Interview.objects.filter(pk=interview.pk).update(employee_shared=True)
    with django_capture_on_commit_callbacks(execute=True):
        reporting_line_change(employee=org.employee, partner=org.other_manager, kind="immediate_superior")
    url = reverse("interviews:interview_detail", args=[interview.pk])
    page = login(org.other_manager).get(url).content.decode()
    assert "ABOUT-MONA" not in page and "MONAS-DRAFT" not in page
    # The employee still has every word of it, to read through and share again.
    assert "ABOUT-MONA" in login(org.employee).get(url).content.decode()
    assert PrepForm.objects.get(interview=interview).state == "draft"


def test_notes_begun_with_the_old_partner_go_with_the_old_partner(org, django_capture_on_commit_callbacks):
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]),
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=timezone.now() + datetime.timedelta(days=20),
        duration_minutes=60,
        note="Room booked by Mona",
    )
    record_save(
        interview=interview, by=org.manager, values={"conclusions": "MONAS-NOTES"}, expected_version=0
    )
    with django_capture_on_commit_callbacks(execute=True):
        reporting_line_change(employee=org.employee, partner=org.other_manager, kind="immediate_superior")
    interview.refresh_from_db()
    assert (interview.partner, interview.state, interview.note) == (org.other_manager, "planned", "")
    assert not InterviewRecord.objects.filter(interview=interview).exists()


def test_a_meeting_that_has_begun_stays_with_who_held_it(org):
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]),
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=timezone.now() - datetime.timedelta(minutes=30),
        duration_minutes=60,
    )
    record_save(
        interview=interview, by=org.manager, values={"conclusions": "Said in the room"}, expected_version=0
    )
    reporting_line_change(employee=org.employee, partner=org.other_manager, kind="immediate_superior")
    interview.refresh_from_db()
    assert interview.partner == org.manager and InterviewRecord.objects.filter(interview=interview).exists()


def test_a_form_written_in_the_partners_role_by_somebody_else_is_never_theirs(login, org):
    """However an interview came to change hands (the admin, a database edit), a prep form is
    shown to its author only, and a shared one only to the other party it was written for."""
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]), employee=org.employee, partner=org.manager
    )
    PrepForm.objects.create(interview=interview, role="manager", author=org.manager, work_tasks="MONAS-DRAFT")
    PrepForm.objects.create(
        interview=interview, role="employee", author=org.other_employee, state="shared", work_tasks="NOT-EVAS"
    )
    Interview.objects.filter(pk=interview.pk).update(partner=org.other_manager)
    url = reverse("interviews:interview_detail", args=[interview.pk])
    page = login(org.other_manager).get(url).content.decode()
    assert "MONAS-DRAFT" not in page and "NOT-EVAS" not in page
    # Their first save is refused with a message rather than showing the other's text.
    response = login(org.other_manager).post(
        reverse("interviews:prep_save", args=[interview.pk]), {"work_tasks": "Mine", "version": "0"}
    )
    assert "MONAS-DRAFT" not in response.content.decode()
    assert PrepForm.objects.get(role="manager").work_tasks == "MONAS-DRAFT"


def test_a_partner_of_an_old_talk_never_reads_or_learns_of_a_later_one(login, org):
    """Eva's 2024 talk with Mona follows up her 2023 talk with Dora (Eva showed it to Mona);
    her 2025 talk with Otto is later, and nothing of it reaches Mona's 2024 pages."""
    talks = {}
    for year, partner in ((2023, org.director), (2024, org.manager), (2025, org.other_manager)):
        talks[year] = InterviewFactory(
            cycle=CycleFactory(
                name=f"Talks {year}",
                units=[org.root],
                opens_on=datetime.date(year, 1, 1),
                closes_on=datetime.date(year, 12, 31),
                state="open" if year == 2024 else "closed",
            ),
            employee=org.employee,
            partner=partner,
            state="held",
            starts_at=timezone.now() - datetime.timedelta(days=10),
            duration_minutes=60,
        )
    _sign(talks[2023], conclusions="CONCLUDED-2023")
    Interview.objects.filter(pk=talks[2024].pk).update(state="planned")
    login(org.employee).post(reverse("interviews:history_share", args=[talks[2024].pk]), {"share": "1"})
    Interview.objects.filter(pk=talks[2024].pk).update(state="held")
    _sign(talks[2024], conclusions="CONCLUDED-2024")
    _sign(talks[2025], conclusions="CONCLUDED-2025", action="AGREED-2025")
    mona = login(org.manager)
    for name in ("interviews:interview_detail", "interviews:record"):
        page = mona.get(reverse(name, args=[talks[2024].pk])).content.decode()
        if name == "interviews:record":
            # What Eva showed her (a signed interview's own page shows no empty preparation,
            # and with it no follow-up: the record's first section holds it).
            assert "CONCLUDED-2023" in page
        assert "CONCLUDED-2025" not in page and "AGREED-2025" not in page and "Talks 2025" not in page
    # Otto's 2025 talk follows up 2024, held with Mona and not shown to him.
    otto = login(org.other_manager).get(reverse("interviews:interview_detail", args=[talks[2025].pk]))
    assert "CONCLUDED-2024" not in otto.content.decode() and "CONCLUDED-2023" not in otto.content.decode()
