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
