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
