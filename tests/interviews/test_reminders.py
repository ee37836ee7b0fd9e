import datetime
import time
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from goals.models import AgreedAction
from interviews.tasks import reminders_sweep
from people.models import Notification, ReminderDelivery
from tests.factories import CycleFactory, InterviewFactory

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


def at(day, hour=8):
    return datetime.datetime(2027, *day, hour, 0, tzinfo=OSLO)


def sweep(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return reminders_sweep()


@pytest.fixture
def year(org):
    """A cycle launched 1 March 2027: one booked meeting on 20 March, one interview never booked,
    and two actions, one due 10 March and one due 30 April."""
    with time_machine.travel(at((3, 1)), tick=False):
        cycle = CycleFactory(
            units=[org.root],
            opens_on=datetime.date(2027, 3, 1),
            closes_on=datetime.date(2027, 6, 30),
            prep_reminder_days=7,
        )
        cycle.launched_at = at((3, 1))
        cycle.save()
    InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=at((3, 20), 10),
        duration_minutes=60,
    )
    InterviewFactory(cycle=cycle, employee=org.outsider, partner=org.other_manager)
    common = {
        "source_model": "interviews.InterviewRecord",
        "source_id": 1,
        "employee": org.employee,
        "partner": org.manager,
        "owner_kind": "employee",
        "standard": "done",
    }
    AgreedAction.objects.create(
        owner=org.employee, what="Write the report", due_on=datetime.date(2027, 3, 10), **common
    )
    AgreedAction.objects.create(
        owner=org.manager, what="Book the course", due_on=datetime.date(2027, 4, 30), **common
    )
    return cycle


def _gist(subject: str) -> str:
    """What kind of reminder a subject is: due, overdue, prepare, or the count still to book."""
    for word in ("overdue", "due", "Prepare"):
        if word in subject:
            return word.capitalize()
    return subject.split(" ")[0]


def test_a_simulated_spring_sends_exactly_these_reminders(org, year, django_capture_on_commit_callbacks):
    sent = []
    day = datetime.date(2027, 3, 1)
    while day <= datetime.date(2027, 5, 10):
        with time_machine.travel(at((day.month, day.day)), tick=False):
            before = len(mail.outbox)
            sweep(django_capture_on_commit_callbacks)
            sweep(django_capture_on_commit_callbacks)  # a second sweep the same hour sends nothing more
            for message in mail.outbox[before:]:
                sent.append((day.isoformat(), message.to[0], _gist(message.subject)))
        day += datetime.timedelta(days=1)
    assert sent == [
        ("2027-03-03", "employee@example.org", "Due"),  # a week before 10 March
        ("2027-03-11", "employee@example.org", "Overdue"),  # the day after, then a week apart
        ("2027-03-13", "employee@example.org", "Prepare"),  # 7 days before the 20 March meeting
        ("2027-03-13", "manager@example.org", "Prepare"),
        ("2027-03-17", "employee@example.org", "Overdue"),
        ("2027-03-22", "other.manager@example.org", "1"),  # three weeks in, still to book; then weekly
        ("2027-03-24", "employee@example.org", "Overdue"),
        ("2027-03-29", "other.manager@example.org", "1"),
        ("2027-03-31", "employee@example.org", "Overdue"),
        ("2027-04-05", "other.manager@example.org", "1"),
        ("2027-04-07", "employee@example.org", "Overdue"),
        ("2027-04-12", "other.manager@example.org", "1"),
        ("2027-04-14", "employee@example.org", "Overdue"),
        ("2027-04-19", "other.manager@example.org", "1"),
        ("2027-04-21", "employee@example.org", "Overdue"),
        ("2027-04-23", "manager@example.org", "Due"),  # a week before 30 April
        ("2027-04-26", "other.manager@example.org", "1"),
        ("2027-04-28", "employee@example.org", "Overdue"),
        ("2027-05-01", "manager@example.org", "Overdue"),
        ("2027-05-03", "other.manager@example.org", "1"),
        ("2027-05-05", "employee@example.org", "Overdue"),
        ("2027-05-07", "manager@example.org", "Overdue"),
        ("2027-05-10", "other.manager@example.org", "1"),
    ]


def test_reminders_stop_when_done_shared_or_reviewed(org, year, django_capture_on_commit_callbacks):
    from interviews.models import Interview, PrepForm

    AgreedAction.objects.filter(what="Write the report").update(status="done")
    AgreedAction.objects.filter(what="Book the course").update(reviewed_at=at((3, 1)))
    interview = org.employee.interviews.get()
    PrepForm.objects.create(interview=interview, role="employee", author=org.employee, state="shared")
    Interview.objects.filter(pk=interview.pk).update(employee_shared=True)
    with time_machine.travel(at((3, 14)), tick=False):
        sweep(django_capture_on_commit_callbacks)
    assert [m.to[0] for m in mail.outbox] == ["manager@example.org"]  # only the manager's prep is missing


def test_email_choices_are_respected_and_the_bell_still_shows_it(
    login, org, year, django_capture_on_commit_callbacks
):
    org.employee.remind_actions = False
    org.employee.save()
    with time_machine.travel(at((3, 3)), tick=False):
        sweep(django_capture_on_commit_callbacks)
    assert mail.outbox == []
    notification = Notification.objects.get(user=org.employee)
    # It says that something is due and links to it; what was agreed is read after signing in.
    assert notification.subject == "An agreed action is due on 10 March 2027"
    action = AgreedAction.objects.get(what="Write the report")
    assert notification.url == reverse("goals:my_actions") + f"#action-{action.pk}"
    page = login(org.employee).get(reverse("notifications")).content.decode()
    assert (
        "An agreed action is due on 10 March 2027" in page
        and '1<span class="visually-hidden"> unread' in page
    )
    assert "Write the report" not in page
    actions = login(org.employee).get(notification.url).content.decode()
    assert f'id="action-{action.pk}"' in actions and "Write the report" in actions


def test_the_bell_kept_between_pages_counts_a_new_reminder_and_reading_at_once(
    login, org, year, settings, django_capture_on_commit_callbacks
):
    settings.NAV_CACHE_SECONDS = 60
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "bell"}
    }
    client = login(org.employee)
    assert "unread" not in client.get(reverse("home")).content.decode()
    with time_machine.travel(at((3, 3)), tick=False):
        sweep(django_capture_on_commit_callbacks)
    assert '1<span class="visually-hidden"> unread' in client.get(reverse("home")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notifications_read"))
    assert "unread" not in client.get(reverse("home")).content.decode()


def test_a_failed_send_is_retried(org, year, django_capture_on_commit_callbacks, monkeypatch):
    import smtplib

    from people import reminders

    calls = []
    real_send = reminders.send_mail

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("mail server away")
        return real_send(*args, **kwargs)

    monkeypatch.setattr(reminders, "send_mail", flaky)
    with time_machine.travel(at((3, 3)), tick=False):
        sweep(django_capture_on_commit_callbacks)
    delivery = ReminderDelivery.objects.get()
    assert (delivery.status, delivery.attempts, len(mail.outbox)) == ("sent", 2, 1)


def test_a_send_that_keeps_failing_ends_failed_and_shows_in_the_admin(
    client, org, year, django_capture_on_commit_callbacks, monkeypatch
):
    import smtplib

    from people import reminders

    def broken(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server away")

    monkeypatch.setattr(reminders, "send_mail", broken)
    with time_machine.travel(at((3, 3)), tick=False):
        sweep(django_capture_on_commit_callbacks)
    delivery = ReminderDelivery.objects.get()
    assert delivery.status == "failed" and "mail server away" in delivery.last_error
    client.force_login(org.admin)
    page = client.get(reverse("admin:people_reminderdelivery_changelist") + "?status__exact=failed")
    assert page.status_code == 200 and "Failed" in page.content.decode()


@pytest.mark.real_services
def test_with_a_real_worker_the_same_reminder_queued_five_times_is_sent_once(
    require_redis, transactional_db, org, year
):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from people.tasks import deliver_reminder

    with time_machine.travel(at((3, 3)), tick=False):
        reminders_sweep.apply()  # records the delivery; eager here, the sending below is not
    delivery = ReminderDelivery.objects.get()
    app.conf.task_always_eager = False
    app.conf.broker_url = require_redis
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            for _ in range(5):
                deliver_reminder.delay(delivery.pk)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                delivery.refresh_from_db()
                if delivery.status == "sent" and len(mail.outbox) >= 1:
                    break
                time.sleep(0.1)
            time.sleep(1)  # let the four duplicates run, to be sure they send nothing
    finally:
        app.conf.task_always_eager = True
    assert [m.to for m in mail.outbox] == [["employee@example.org"]]
    assert delivery.status == "sent" and delivery.attempts == 1


@pytest.mark.real_services
def test_two_sweeps_at_once_send_each_reminder_once(require_postgres, transactional_db, org, year):
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            with time_machine.travel(at((3, 13)), tick=False):
                reminders_sweep.apply()
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # On 13 March: the overdue report to Eva, and the prep reminders to Eva and Mona.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "employee@example.org",
        "employee@example.org",
        "manager@example.org",
    ]
    assert ReminderDelivery.objects.filter(status="sent").count() == 3


@pytest.mark.real_services
def test_a_worker_killed_while_sending_still_ends_with_exactly_one_email(
    require_postgres, require_redis, transactional_db, org, year, tmp_path
):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings
    from django.db import connection

    from config.celery import app
    from people.reminders import deliveries_create
    from people.tasks import deliver_reminder

    with time_machine.travel(at((3, 3)), tick=False):
        from interviews.tasks import action_reminders

        deliveries_create(action_reminders(at((3, 3))))
    delivery = ReminderDelivery.objects.get()
    outbox = tmp_path / "mail"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": require_redis,
        "SECRET_KEY": "test-only",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "tests.slow_mail.SlowFileBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "SLOW_MAIL_SECONDS": "4",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    root = Path(settings.BASE_DIR)

    def worker():
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-P",
                "solo",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                "reminders-kill-test",
                "--loglevel=WARNING",
            ],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(os.environ.get("WORKER_LOG", os.devnull), "ab"),  # noqa: SIM115
            start_new_session=True,
        )

    def wait_for(predicate, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.1)
        return False

    app.conf.task_always_eager = False
    app.conf.broker_url = require_redis
    first = worker()
    try:
        deliver_reminder.apply_async(args=[delivery.pk], queue="reminders-kill-test")
        assert wait_for(lambda: ReminderDelivery.objects.get(pk=delivery.pk).status == "sending", 30)
        os.killpg(first.pid, signal.SIGKILL)  # in the middle of sending: the mail is not written yet
        first.wait(timeout=10)
        assert not outbox.exists() or not list(outbox.iterdir())
        # Time passes: the claim goes stale, and the next sweep queues the delivery again.
        ReminderDelivery.objects.filter(pk=delivery.pk).update(
            claimed_at=timezone.now() - datetime.timedelta(hours=1)
        )
        second = worker()
        try:
            for _ in range(3):  # the sweep, and two stray duplicates of the message
                deliver_reminder.apply_async(args=[delivery.pk], queue="reminders-kill-test")
            assert wait_for(lambda: ReminderDelivery.objects.get(pk=delivery.pk).status == "sent", 60)
            time.sleep(6)  # give the duplicates their chance to (not) send
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        app.conf.task_always_eager = True
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert len(list(outbox.iterdir())) == 1
    assert ReminderDelivery.objects.get(pk=delivery.pk).status == "sent"
