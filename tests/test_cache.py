"""The cache is a help, not a need: with the Redis behind it gone, pages are computed afresh."""

import socket

from django.core.cache import cache
from django.urls import reverse

from tests.factories import CycleFactory, InterviewFactory


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket is closed


def test_pages_answer_while_the_cache_server_is_down(login, org, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.NAV_CACHE_SECONDS = settings.DASHBOARD_CACHE_SECONDS = settings.READ_CACHE_SECONDS = 60
    cache.set("k", "v")
    assert cache.get("k", "missing") == "missing"
    assert cache.delete("k") is False
    cycle = CycleFactory(units=[org.root])
    held = InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager, state="held")
    for user, url in (
        (org.employee, reverse("home")),
        (org.manager, reverse("interviews:my_interviews")),
        (org.manager, reverse("interviews:record", args=[held.pk])),
        (org.hr, reverse("interviews:cycle_dashboard", args=[cycle.pk])),
    ):
        response = login(user).get(url)
        assert response.status_code == 200, url
    assert "Figures as counted at" in response.content.decode()


def test_kept_goals_and_guidelines_follow_every_change_made_in_the_app(
    login, org, settings, django_capture_on_commit_callbacks
):
    """Both prep forms and the record's goal form show a unit's goals and guidelines as they
    stand, although they are kept between views (people/generations.py)."""
    import datetime

    import time_machine
    from django.utils import timezone

    from goals.models import UnitGoal
    from goals.services import goal_delete, goal_save
    from interviews.models import LocalGuideline
    from interviews.services import guideline_save

    settings.READ_CACHE_SECONDS = 600
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kept"}
    }
    cycle = CycleFactory(units=[org.root])
    # Booked: both prep forms are open (a talk that is over shows no empty preparation), and
    # the record can be written.
    interview = InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=timezone.now() + datetime.timedelta(days=20),
        duration_minutes=60,
    )
    prep = reverse("interviews:interview_detail", args=[interview.pk])
    record = reverse("interviews:record", args=[interview.pk])
    employee, manager = login(org.employee), login(org.manager)

    def shows(client, url, text):
        return text in client.get(url).content.decode()

    assert not shows(employee, prep, "Grow research funding")
    assert not shows(manager, record, "Grow research funding")
    data = {"title": "Grow research funding", "description": "", "period_start": datetime.date(2026, 1, 1)}
    with django_capture_on_commit_callbacks(execute=True):
        goal = goal_save(unit=org.root, by=org.hr, data={**data, "period_end": None})
    assert shows(employee, prep, "Grow research funding")
    assert shows(manager, record, "Grow research funding")  # offered by the goal form
    with django_capture_on_commit_callbacks(execute=True):
        goal_delete(goal=goal, by=org.hr)
    assert not shows(manager, prep, "Grow research funding")
    assert not shows(manager, record, "Grow research funding")

    with django_capture_on_commit_callbacks(execute=True):
        guideline_save(
            unit=org.unit_a, by=org.hr, text="Talk about the move", extra_prompts="", expected_version=0
        )
    assert shows(employee, prep, "Talk about the move")
    with django_capture_on_commit_callbacks(execute=True):
        guideline_save(
            unit=org.unit_a, by=org.hr, text="Talk about the new lab", extra_prompts="", expected_version=1
        )
    assert shows(manager, prep, "Talk about the new lab") and not shows(manager, prep, "Talk about the move")

    # Written outside the app (the admin): shown once the kept copy has expired.
    UnitGoal.objects.create(unit=org.unit_a, title="Set in the admin", period_start=datetime.date(2026, 1, 1))
    LocalGuideline.objects.filter(unit=org.unit_a).update(text="Edited in the admin")
    assert not shows(employee, prep, "Set in the admin")
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=601)):
        page = employee.get(prep).content.decode()
    assert "Set in the admin" in page and "Edited in the admin" in page


def test_kept_home_pages_follow_every_step_of_a_talk(org, settings, django_capture_on_commit_callbacks):
    """The home page keeps what it reads of a person's talks between views
    (interviews.todo.home_for). Each step of a talk, by either party or by HR, shows on the
    next view of both parties' home pages, and so does a booked meeting beginning. Every
    step is read right after it, while the copies read before it would still be served."""
    import datetime
    import zoneinfo

    import time_machine
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from interviews.forms import local_datetime
    from interviews.models import Interview
    from interviews.records import action_add, record_save, record_sign
    from interviews.services import (
        cycle_close,
        cycle_launch,
        interview_excuse,
        interview_mark_held,
        interview_schedule,
        prep_save,
        prep_save_fast,
        prep_share,
    )
    from people.models import User
    from people.services import reporting_line_change

    settings.READ_CACHE_SECONDS = 600
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "homes"}
    }
    cache.clear()
    oslo = zoneinfo.ZoneInfo("Europe/Oslo")
    User.objects.filter(pk__in=[org.employee.pk, org.manager.pk]).update(password=make_password("pw"))
    org.employee.refresh_from_db()
    org.manager.refresh_from_db()
    people = {"employee": org.employee, "manager": org.manager, "other": org.other_manager}
    clients = {name: Client() for name in people}

    def sign_in():
        for name, client in clients.items():
            client.force_login(people[name])

    def home(name):
        response = clients[name].get(reverse("home"))
        assert response.status_code == 200, (response.status_code, response.get("Location"))
        return response.content.decode()

    def step(write, *readers):
        """Read the readers' home pages (so that a copy is kept), then write."""
        for reader in readers:
            home(reader)
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    cycle = CycleFactory(
        units=[org.root],
        state="draft",
        opens_on=datetime.date(2027, 3, 1),
        closes_on=datetime.date(2027, 5, 31),
    )
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=oslo), tick=False) as clock:
        sign_in()
        step(lambda: cycle_launch(cycle=cycle, by=org.hr), "employee", "manager")
        assert "Book 2 interviews" in home("manager")
        assert "Mona Manager books the meeting" in home("employee")

        # Kept: a second view reads fewer queries than a view afresh, and shows the same.
        def todo(name):
            page = home(name)
            return page[page.index('<section aria-labelledby="todo-heading"') : page.index("</main>")]

        with CaptureQueriesContext(connection) as kept:
            page = todo("manager")
        cache.clear()
        with CaptureQueriesContext(connection) as afresh:
            assert todo("manager") == page
        assert len(kept) < len(afresh)

        interview = Interview.objects.get(cycle=cycle, employee=org.employee)
        meeting = local_datetime(datetime.date(2027, 3, 17), datetime.time(10, 0))
        step(
            lambda: interview_schedule(
                interview=interview, by=org.manager, starts_at=meeting, duration_minutes=60
            ),
            "employee",
            "manager",
        )
        assert "Prepare for your talk with Eva" in home("manager") and "Book 1 interview" in home("manager")
        assert "0 of 7 sections answered" in home("employee")
        step(
            lambda: prep_save(
                interview=interview, author=org.employee, values={"work_tasks": "Lab."}, expected_version=0
            ),
            "employee",
        )
        assert "1 of 7 sections answered" in home("employee")
        step(
            lambda: prep_save(
                interview=interview,
                author=org.employee,
                values={"development": "Courses."},
                expected_version=1,
            ),
            "employee",
        )
        assert "2 of 7 sections answered" in home("employee")
        step(
            lambda: prep_save_fast(
                interview_id=interview.pk,
                author=org.employee,
                values={"plans": "Stay."},
                expected_version=2,
            ),
            "employee",
        )
        assert "3 of 7 sections answered" in home("employee")
        step(lambda: prep_share(interview=interview, author=org.employee), "employee", "manager")
        assert "Read Eva" in home("manager")
        assert "Your preparation is shared" in home("employee")

        # HR excuses the other talk: the manager has nothing left to book.
        other_talk = Interview.objects.get(cycle=cycle, employee=org.other_employee)
        step(lambda: interview_excuse(interview=other_talk, by=org.hr, reason="On leave"), "manager")
        assert "Book 1 interview" not in home("manager")

        # Nobody writes, but the meeting begins: the talk is now the manager's to record.
        clock.move_to(meeting - datetime.timedelta(minutes=5))
        sign_in()  # two weeks on: the sessions have ended
        assert "Prepare for your talk with Eva" in home("manager")
        clock.move_to(meeting + datetime.timedelta(minutes=1))
        assert "Write and sign the record of your talk with Eva" in home("manager")

        interview.refresh_from_db()
        step(lambda: interview_mark_held(interview=interview, by=org.manager), "employee", "manager")
        step(
            lambda: record_save(
                interview=interview, by=org.manager, values={"conclusions": "Good."}, expected_version=0
            ),
            "employee",
            "manager",
        )
        step(lambda: record_sign(interview=interview, by=org.manager, password="pw"), "employee", "manager")
        assert "Sign the record of your interview with Mona Manager" in home("employee")
        assert "Write and sign the record" not in home("manager")
        # An action added after the manager signed clears the signature: the employee waits again.
        step(
            lambda: action_add(
                interview=interview,
                by=org.manager,
                owner_kind="employee",
                what="Course",
                due_on=datetime.date(2027, 5, 1),
                standard="Certificate.",
            ),
            "employee",
            "manager",
        )
        assert "Sign the record" not in home("employee")
        assert "Write and sign the record" in home("manager")
        step(lambda: record_sign(interview=interview, by=org.manager, password="pw"), "employee", "manager")
        assert "Sign the record of your interview" in home("employee")
        step(lambda: record_sign(interview=interview, by=org.employee, password="pw"), "employee", "manager")
        assert "Sign the record" not in home("employee") and "Write and sign" not in home("manager")

        # A change of partner: the new partner has the open talk to book, the old one no longer.
        step(lambda: interview_reopen_for(other_talk, org.hr), "manager", "other")
        assert "Book 1 interview" in home("manager") and "Book 2 interviews" in home("other")
        step(
            lambda: reporting_line_change(
                employee=org.other_employee, partner=org.other_manager, kind="head_of_unit"
            ),
            "manager",
            "other",
        )
        assert "Book 3 interviews" in home("other") and "You hold interviews with 3 people" in home("other")
        assert "Book" not in todo("manager") and "You hold interviews with 1 person" in home("manager")

        # The cycle closes: its talks leave every to-do list.
        step(lambda: cycle_close(cycle=cycle, by=org.hr, confirm_unfinished=True), "other")
        assert "Book" not in todo("other")


def interview_reopen_for(interview, by):
    from interviews.services import interview_reopen

    interview.refresh_from_db()
    return interview_reopen(interview=interview, by=by)
