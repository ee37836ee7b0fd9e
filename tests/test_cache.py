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
    settings.NAV_CACHE_SECONDS = settings.DASHBOARD_CACHE_SECONDS = 60
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
