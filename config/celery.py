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

# Periodic work is added here by the issues that need it (reminders), each entry with
# a comment saying when and why, so that there is exactly one schedule to read.
app.conf.beat_schedule = {}
