import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import UnitGoal
from interviews.models import LocalGuideline, PrepForm
from interviews.services import PrepConflict, prep_save, prep_share
from tests.factories import CycleFactory, InterviewFactory

SECRET = "SECRET-draft-text-7f3a"
LEADERSHIP = "LEADERSHIP-feedback-91c2"


@pytest.fixture
def interview(org):
    return InterviewFactory(cycle=CycleFactory(units=[org.root]), employee=org.employee, partner=org.manager)


def save(interview, author, version, **values):
    return prep_save(interview=interview, author=author, values=values, expected_version=version)


def page_for(client, interview):
    return client.get(reverse("interviews:interview_detail", args=[interview.pk]))


ROLES = [
    "employee",
    "manager",
    "director",
    "other_manager",
    "other_employee",
    "outsider",
    "hr",
    "hr_scoped_other",
    "admin",
]


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_is_seen_by_its_author_only(client, org, interview, role):
    save(interview, org.employee, 0, work_tasks=SECRET)
    client.force_login(getattr(org, role))
    response = page_for(client, interview)
    assert (SECRET in response.content.decode()) == (role == "employee")


@pytest.mark.parametrize("role", ROLES)
def test_a_shared_form_is_seen_by_the_other_party_and_nobody_else(
    client, org, interview, role, django_capture_on_commit_callbacks
):
    save(interview, org.employee, 0, work_tasks=SECRET, leadership=LEADERSHIP)
    with django_capture_on_commit_callbacks(execute=True):
        prep_share(interview=interview, author=org.employee)
    client.force_login(getattr(org, role))
    page = page_for(client, interview).content.decode()
    sees = role in {"employee", "manager"}
    assert (SECRET in page) == sees
    # The leadership feedback is about the manager: the manager reads it, nobody else does.
    assert (LEADERSHIP in page) == sees


def test_sharing_tells_the_other_party_by_email_in_their_language(
    org, interview, django_capture_on_commit_callbacks
):
    org.manager.language = "nb"
    org.manager.save()
    save(interview, org.employee, 0, work_tasks="x")
    with django_capture_on_commit_callbacks(execute=True):
        prep_share(interview=interview, author=org.employee)
    assert [m.to for m in mail.outbox] == [["manager@example.org"]]
    assert "Eva Employee" in mail.outbox[0].subject
    assert f"/interviews/{interview.pk}/" in mail.outbox[0].body
    assert SECRET not in mail.outbox[0].body


def test_the_author_keeps_editing_after_sharing_and_the_reader_sees_the_latest(login, org, interview):
    save(interview, org.employee, 0, work_tasks="first")
    prep_share(interview=interview, author=org.employee)
    save(interview, org.employee, 1, work_tasks="second thoughts")
    page = page_for(login(org.manager), interview).content.decode()
    assert "second thoughts" in page and "first" not in page


def test_a_stale_save_is_refused_and_nothing_is_lost(org, interview):
    save(interview, org.employee, 0, work_tasks="from the laptop")
    save(interview, org.employee, 1, work_tasks="from the phone")
    with pytest.raises(PrepConflict) as caught:
        save(interview, org.employee, 1, work_tasks="laptop again, typed on an old page")
    assert caught.value.current.work_tasks == "from the phone"
    assert PrepForm.objects.get().work_tasks == "from the phone"


def test_autosave_conflict_shows_the_other_text_and_keeps_the_form(login, org, interview):
    save(interview, org.employee, 0, work_tasks="saved elsewhere")
    client = login(org.employee)
    url = reverse("interviews:prep_save", args=[interview.pk])
    response = client.post(url, {"work_tasks": "mine", "version": 0}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Not saved" in body and "saved elsewhere" in body and "Save mine over it" in body
    assert PrepForm.objects.get().work_tasks == "saved elsewhere"
    # Saving over it is a deliberate choice, with the version that was shown.
    response = client.post(url, {"work_tasks": "mine", "version": 1}, HTTP_HX_REQUEST="true")
    assert "Saved at" in response.content.decode()
    assert PrepForm.objects.get().work_tasks == "mine"


def test_plain_post_without_javascript_saves_every_section(login, org, interview):
    client = login(org.manager)
    data = {
        "version": 0,
        "follow_up": "a",
        "unit_goals": "b",
        "work_tasks": "c",
        "working_environment": "d",
        "leadership": "e",
        "development": "f",
        "plans": "g",
    }
    response = client.post(reverse("interviews:prep_save", args=[interview.pk]), data, follow=True)
    assert "Your preparation is saved." in response.content.decode()
    form = PrepForm.objects.get(role="manager")
    assert (form.author, form.plans, form.state) == (org.manager, "g", "draft")
    assert "7 of 7 sections answered" in response.content.decode()


def test_autosave_makes_at_most_three_queries(login, org, interview):
    save(interview, org.employee, 0, work_tasks="start")
    client = login(org.employee)
    url = reverse("interviews:prep_save", args=[interview.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"work_tasks": "more", "version": 1}, HTTP_HX_REQUEST="true")
    assert "Saved at" in response.content.decode()
    # The session, the user, and one conditional UPDATE that checks author, version and state.
    assert len(queries.captured_queries) <= 3, [q["sql"][:80] for q in queries.captured_queries]
    assert PrepForm.objects.get().version == 2


def test_outsiders_cannot_save_or_share(client, org, interview):
    save(interview, org.employee, 0, work_tasks="mine")
    client.force_login(org.director)
    url = reverse("interviews:prep_save", args=[interview.pk])
    assert client.post(url, {"work_tasks": "hijack", "version": 1}, HTTP_HX_REQUEST="true").status_code == 404
    assert client.post(reverse("interviews:prep_share", args=[interview.pk])).status_code == 404
    assert PrepForm.objects.get().work_tasks == "mine" and PrepForm.objects.get().state == "draft"


def test_too_long_an_answer_is_refused_with_a_message(org, interview):
    with pytest.raises(ValidationError) as caught:
        save(interview, org.employee, 0, work_tasks="x" * 20_001)
    assert "20001 characters long; the most is 20000" in str(caught.value)
    assert not PrepForm.objects.exists()


def test_any_unicode_works_and_html_is_shown_as_text(login, org, interview):
    text = "Æøå, 中文, emoji 🙂, <script>alert(1)</script>"
    save(interview, org.employee, 0, work_tasks=text)
    prep_share(interview=interview, author=org.employee)
    page = page_for(login(org.manager), interview).content.decode()
    assert "Æøå, 中文, emoji 🙂, &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


def test_no_changes_once_the_interview_is_held(org, interview):
    save(interview, org.employee, 0, work_tasks="before")
    interview.state = "held"
    interview.save()
    with pytest.raises(ValidationError, match="can no longer change"):
        save(interview, org.employee, 1, work_tasks="after")
    assert PrepForm.objects.get().work_tasks == "before"


def test_prompts_are_adapted_to_the_job_kind_and_the_role(login, org, interview):
    employee_page = page_for(login(org.employee), interview).content.decode()  # academic
    assert "distribution of duties" in employee_page
    assert "What would you like your manager to do more of" in employee_page
    manager_page = page_for(login(org.manager), interview).content.decode()
    assert "What feedback on your leadership would you like from the employee?" in manager_page


def test_unit_goals_of_the_unit_and_its_parents_are_shown(login, org, interview):
    today = timezone.localdate()
    UnitGoal.objects.create(unit=org.root, title="University-wide goal", period_start=today)
    UnitGoal.objects.create(unit=org.unit_a, title="Department A goal", period_start=today)
    UnitGoal.objects.create(unit=org.unit_b, title="Department B goal", period_start=today)
    UnitGoal.objects.create(
        unit=org.unit_a,
        title="Expired goal",
        period_start=today - datetime.timedelta(days=400),
        period_end=today - datetime.timedelta(days=35),
    )
    page = page_for(login(org.employee), interview).content.decode()
    assert "University-wide goal" in page and "Department A goal" in page
    assert "Department B goal" not in page and "Expired goal" not in page


def test_local_guidelines_are_inherited_by_sub_units(login, org, interview):
    LocalGuideline.objects.create(
        unit=org.root, text="Talk about the new campus.", extra_prompts="Q one?\nQ two?"
    )
    LocalGuideline.objects.create(unit=org.unit_b, text="Only for B.")
    page = page_for(login(org.employee), interview).content.decode()
    assert "Talk about the new campus." in page and "Q two?" in page and "Only for B." not in page


def test_previous_interview_section_explains_there_is_none_yet(login, org, interview):
    page = page_for(login(org.employee), interview).content.decode()
    assert "No earlier signed interview with this employee is recorded here" in page


def test_manager_list_shows_who_has_shared(login, org, interview):
    save(interview, org.employee, 0, work_tasks="x")
    prep_share(interview=interview, author=org.employee)
    page = login(org.manager).get(reverse("interviews:my_interviews")).content.decode()
    assert 'Employee: <span class="text-success">shared</span>' in page
    assert "You: not yet" in page


def test_the_admin_shows_no_prep_content(client, org, interview):
    save(interview, org.employee, 0, work_tasks=SECRET)
    client.force_login(org.admin)
    form = PrepForm.objects.get()
    for url in (
        reverse("admin:interviews_prepform_changelist"),
        reverse("admin:interviews_prepform_change", args=[form.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert SECRET not in response.content.decode()


def test_manager_gets_job_kind_prompts_phrased_for_the_manager(login, org, interview):
    page = page_for(login(org.manager), interview).content.decode()
    assert "Is the employee&#x27;s distribution of duties" in page
    assert "How is your time divided between research" not in page


def test_a_null_character_is_refused_with_a_message_not_a_crash(login, org):
    from interviews.models import Cycle, Interview
    from tests.factories import CycleFactory, InterviewFactory

    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]), employee=org.employee, partner=org.manager
    )
    assert Cycle.objects.count() == 1 and Interview.objects.count() == 1
    response = login(org.employee).post(
        reverse("interviews:prep_save", args=[interview.pk]),
        {"work_tasks": "pasted\x00text", "version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "invisible null character" in response.content.decode()
    assert not interview.prep_forms.exists()
