"""Celery with a real worker over the real Redis broker, not only in eager mode."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from config.celery import app
from people.tasks import send_email


@pytest.fixture
def real_worker(require_redis):
    app.conf.task_always_eager = False
    app.conf.broker_url = require_redis
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


@pytest.mark.real_services
def test_real_worker_sends_an_email_queued_through_redis(real_worker):
    send_email.delay(subject="Hello", body="Over Redis", to=["a@b.example"])
    deadline = time.monotonic() + 20  # bounded; it normally takes milliseconds
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [(m.subject, m.body, m.to) for m in mail.outbox] == [("Hello", "Over Redis", ["a@b.example"])]


def test_with_the_broker_down_a_booking_still_succeeds_and_its_emails_go_out(
    login, org, django_capture_on_commit_callbacks, monkeypatch
):
    import datetime

    from django.urls import reverse
    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from interviews.calendar_rules import next_working_day
    from tests.factories import CycleFactory, InterviewFactory

    today = timezone.localdate()
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root], opens_on=today, closes_on=today + datetime.timedelta(days=90)),
        employee=org.employee,
        partner=org.manager,
    )
    client = login(org.manager)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    # What .delay raises when Redis does not answer (the app's connection pool is shared
    # by the whole test run, so the broker itself is not switched off here).
    monkeypatch.setattr(send_email, "delay", broker_down)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("interviews:interview_schedule", args=[interview.pk]),
                {
                    "date": next_working_day(today + datetime.timedelta(days=20)).isoformat(),
                    "time": "10:00",
                    "duration_minutes": 60,
                    "version": interview.version,
                },
            )
    finally:
        monkeypatch.undo()
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["employee@example.org", "manager@example.org"]
