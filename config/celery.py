"""The Celery app and the one place where the beat schedule lives.

The broker is Redis when REDIS_URL is set; otherwise kombu's filesystem transport
under var/, so that `make run` needs no server.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("appraisal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from celery.schedules import crontab  # noqa: E402

# The one schedule. Each entry says when and why.
app.conf.beat_schedule = {
    # Every hour at :07: prep, scheduling and action reminders that have come due. Hourly
    # so a reminder is never more than an hour late; the sweep records each delivery once,
    # so running it often never sends anything twice, and a sweep missed while Redis was
    # down is caught up by the next one.
    "reminders-sweep": {"task": "interviews.tasks.reminders_sweep", "schedule": crontab(minute=7)},
}
