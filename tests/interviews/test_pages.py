import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interviews.models import Interview
from people.models import ReportingLine
from tests.factories import CycleFactory, InterviewFactory, UserFactory


def test_my_interviews_lists_the_managers_people_with_state_and_time(login, org):
    cycle = CycleFactory(units=[org.root])
    InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=timezone.now() + datetime.timedelta(days=20),
        duration_minutes=60,
        place="Room 7",
    )
    InterviewFactory(cycle=cycle, employee=org.other_employee, partner=org.manager)
    InterviewFactory(cycle=cycle, employee=org.outsider, partner=org.other_manager)
    page = login(org.manager).get(reverse("interviews:my_interviews")).content.decode()
    assert "Eva Employee" in page and "Emil Otheremployee" in page and "Room 7" in page
    assert "Olga Outsider" not in page
    filtered = (
        login(org.manager).get(reverse("interviews:my_interviews"), {"state": "planned"}).content.decode()
    )
    assert "Emil Otheremployee" in filtered and "Eva Employee" not in filtered
    assert (
        "Olga Outsider" in login(org.other_manager).get(reverse("interviews:my_interviews")).content.decode()
    )


def test_my_interviews_leaves_out_draft_and_closed_cycles(login, org):
    InterviewFactory(cycle=CycleFactory(state="closed"), employee=org.employee, partner=org.manager)
    page = login(org.manager).get(reverse("interviews:my_interviews")).content.decode()
    assert "You hold no interviews in an open cycle." in page


def test_my_interviews_query_count_does_not_grow(login, org, django_assert_max_num_queries):
    cycle = CycleFactory(units=[org.root])
    for i in range(40):
        person = UserFactory(unit=org.unit_a, email=f"p{i}@example.org")
        ReportingLine.objects.create(
            employee=person, partner=org.manager, kind="head_of_unit", valid_from="2020-01-01"
        )
        InterviewFactory(cycle=cycle, employee=person, partner=org.manager)
    client = login(org.manager)
    # Session, user, the menu's role checks and reminder count, and one query for the list with its joins.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("interviews:my_interviews"), {"sort": "name"})
    assert response.content.decode().count("/schedule/") == 40


def test_cycle_page_query_count_does_not_grow(login, org, django_assert_max_num_queries):
    cycle = CycleFactory(units=[org.root])
    for i in range(40):
        InterviewFactory(
            cycle=cycle,
            employee=UserFactory(unit=org.unit_b, email=f"q{i}@example.org"),
            partner=org.other_manager,
        )
    client = login(org.hr)
    # A fixed number of reads for figures, people without an interview and one page of interviews.
    with django_assert_max_num_queries(15):
        assert client.get(reverse("interviews:cycle_detail", args=[cycle.pk])).status_code == 200


def test_employee_home_shows_the_interview_partner_time_and_next_step(login, org):
    cycle = CycleFactory(units=[org.root], name="PAI 2026")
    InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=datetime.datetime(2026, 5, 4, 8, 0, tzinfo=datetime.UTC),
        duration_minutes=60,
    )
    page = login(org.employee).get("/").content.decode()
    assert "PAI 2026" in page and "With Mona Manager" in page
    assert "Monday 4 May 2026, 10:00" in page  # shown in Oslo time
    # The home page is a to-do list: the next step, its progress, one click away.
    assert 'data-todo="prepare"' in page and "Prepare for your interview with Mona Manager" in page
    assert "0 of 7 sections answered · Meeting Monday 4 May 2026, 10:00" in page


def test_hr_cancels_from_the_interview_page_with_a_reason(login, org):
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]), employee=org.employee, partner=org.manager
    )
    client = login(org.hr)
    response = client.post(
        reverse("interviews:interview_cancel", args=[interview.pk]),
        {"reason": "", "version": interview.version},
        follow=True,
    )
    assert "Give a reason" in response.content.decode()
    interview.refresh_from_db()
    assert interview.state == Interview.State.PLANNED
    client.post(
        reverse("interviews:interview_cancel", args=[interview.pk]),
        {"reason": "Left the organisation", "version": interview.version},
    )
    interview.refresh_from_db()
    assert (interview.state, interview.reason) == (Interview.State.CANCELLED, "Left the organisation")


def test_my_interviews_sorted_by_time_lists_booked_meetings_first(login, org):
    cycle = CycleFactory(units=[org.root])
    InterviewFactory(cycle=cycle, employee=org.other_employee, partner=org.manager)  # "Emil", not booked
    InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=timezone.now() + datetime.timedelta(days=20),
        duration_minutes=60,
    )
    page = login(org.manager).get(reverse("interviews:my_interviews"), {"sort": "time"}).content.decode()
    assert page.index("Eva Employee") < page.index("Emil Otheremployee")


def test_my_interviews_shows_fifty_a_page_keeping_the_filter_and_sort(login, org):
    cycle = CycleFactory(units=[org.root])
    for i in range(60):
        person = UserFactory(unit=org.unit_a, given_name="Pat", family_name=f"Person{i:02d}")
        InterviewFactory(cycle=cycle, employee=person, partner=org.manager)
    client = login(org.manager)
    first = client.get(reverse("interviews:my_interviews"), {"sort": "name", "q": "Person"}).content.decode()
    assert first.count("/schedule/") == 50 and "Pat Person00" in first and "Pat Person50" not in first
    assert "Page 1 of 2" in first
    assert 'href="?sort=name&amp;q=Person&amp;page=2"' in first
    second = client.get(reverse("interviews:my_interviews"), {"sort": "name", "q": "Person", "page": 2})
    text = second.content.decode()
    assert text.count("/schedule/") == 10 and "Pat Person50" in text and "Pat Person49" not in text


def test_my_interviews_states_and_prep_in_each_managers_language(login, org):
    cycle = CycleFactory(units=[org.root])
    InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager, employee_shared=True)
    InterviewFactory(cycle=cycle, employee=org.outsider, partner=org.other_manager)
    org.manager.language = "nb"
    org.manager.save()
    url = reverse("interviews:my_interviews")
    english = login(org.other_manager).get(url).content.decode()
    norwegian = login(org.manager).get(url).content.decode()
    again = login(org.other_manager).get(url).content.decode()
    assert '<span class="badge text-bg-light border">Planlagt</span>' in norwegian
    assert 'Ansatt: <span class="text-success">delt</span><br>Du: ikke ennå' in norwegian
    for page in (english, again):
        assert '<span class="badge text-bg-light border">Planned</span>' in page
        assert "Employee: not yet<br>You: not yet" in page


def test_names_are_escaped_in_the_list_rows(login, org):
    """The manager's list and HR's drill-down build their rows in Python: still escaped."""
    cycle = CycleFactory(units=[org.root])
    org.employee.given_name = '<script>alert("x")</script>'
    org.employee.family_name = "O'Brien & Co"
    org.employee.save()
    InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)
    pages = [
        login(org.manager).get(reverse("interviews:my_interviews")).content.decode(),
        login(org.hr).get(reverse("interviews:cycle_unit", args=[cycle.pk, org.root.pk])).content.decode(),
    ]
    for page in pages:
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#x27;Brien &amp; Co" in page


def test_a_list_that_fits_on_one_page_is_not_counted_again(login, org):
    cycle = CycleFactory(units=[org.root])
    InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)
    InterviewFactory(cycle=cycle, employee=org.other_employee, partner=org.manager)
    client = login(org.manager)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("interviews:my_interviews")).content.decode()
    assert "Eva Employee" in page and "Emil Otheremployee" in page and "Page 1 of" not in page
    # Django's Paginator counts with SELECT COUNT(*) AS "__count": not here.
    assert not [q for q in queries.captured_queries if '"__count"' in q["sql"]]
