#!/usr/bin/env python
"""Faults, for real: the app under gunicorn on PostgreSQL with its own Redis, then Redis
stopped and PostgreSQL's connections cut, as a person using the site would meet them.

    python bench/faults.py      (CI runs it; needs PostgreSQL on 127.0.0.1:5432 and redis-server)

1. Redis stopped: every main page still answers 200, the prep form saves and shares (the
   partner's notice waits as a delivery), HR's nudge records its reminders; nothing is
   lost: with Redis back, one sweep sends every reminder and notice that waited.
2. PostgreSQL drops every connection (what a restart does to its clients): the next
   requests are served without restarting the app (Django's connection health checks).

Prints a table of checks, with --record writes bench/results.json (faults_* keys) and exits 1 if any
check failed. Everything runs on 127.0.0.1, in a throw-away database and its own ports.
"""

import re
import shutil
import sys
import time

from harness import App, Browser, Checks, free_port, results_merge, sql

DB_NAME = "appraisal_faults"


def main() -> int:
    if not shutil.which("redis-server"):
        print("redis-server is not installed")
        return 1
    redis_port, web_port = free_port(), free_port()
    app = App(
        "faults",
        DB_NAME,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        CELERY_TASK_ALWAYS_EAGER="",
    )
    mail_dir = app.work / "mail"
    app.env.update(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(mail_dir)
    )
    manage, check = app.manage, Checks()
    app.create_database()
    try:
        manage("migrate", "--noinput")
        manage("collectstatic", "--noinput")
        manage("seed_demo")
        redis = app.redis(redis_port)
        web, base = app.gunicorn("gunicorn", web_port)

        employee, hr = Browser(base), Browser(base)
        check("employee signs in (Redis up)", employee.log_in("employee@demo.example") == 200)
        status, home = employee.get("/")
        interview_id = re.search(r'href="/interviews/(\d+)/"', home).group(1)

        # 1. Redis stopped.
        redis.terminate()
        redis.wait(timeout=10)
        started = time.perf_counter()
        pages = [
            "/",
            "/interviews/",
            f"/interviews/{interview_id}/",
            "/goals/actions/",
            "/account/reminders/",
        ]
        statuses = [employee.page(path) for path in pages]
        check("main pages answer with Redis stopped", statuses == [200] * len(pages), str(statuses))
        _status, page = employee.get(f"/interviews/{interview_id}/")
        version = re.search(r'name="version"[^>]*value="(\d+)"', page) or re.search(
            r'value="(\d+)"[^>]*name="version"', page
        )
        saved, _ = employee.post(
            f"/interviews/{interview_id}/prep/",
            {"work_tasks": "Saved while Redis was down", "version": version.group(1) if version else "0"},
            form_page=f"/interviews/{interview_id}/",
        )
        # Six sections are empty: confirmed, as the page asks.
        shared, _ = employee.post(
            f"/interviews/{interview_id}/prep/share/",
            {"confirm": "1"},
            form_page=f"/interviews/{interview_id}/",
        )
        check(
            "prep form saves and shares with Redis stopped",
            (saved, shared) == (200, 200),
            f"{saved} {shared}",
        )
        stored = app.shell(
            "from interviews.models import PrepForm; "
            f"p = PrepForm.objects.get(interview_id={interview_id}, role='employee'); print(p.state, p.work_tasks)",
        )
        check(
            "the saved text is in the database", stored.strip() == "shared Saved while Redis was down", stored
        )
        told = app.shell(
            "from people.models import ReminderDelivery as R; "
            "print(R.objects.filter(kind='handoff', status='pending').count())",
        )
        check("the partner's notice of the share waits as a delivery", told.strip() == "1", told.strip())
        check("HR signs in with Redis stopped", hr.log_in("hr@demo.example") == 200)
        _status, cycles = hr.get("/cycles/")
        cycle_id = re.search(r'href="/cycles/(\d+)/dashboard/"', cycles).group(1)
        root = re.search(
            r'href="/cycles/\d+/units/(\d+)/"', hr.get(f"/cycles/{cycle_id}/dashboard/")[1]
        ).group(1)
        nudged, _ = hr.post(
            f"/cycles/{cycle_id}/units/{root}/nudge/",
            {"kind": "scheduling"},
            form_page=f"/cycles/{cycle_id}/units/{root}/",
        )
        check("HR's nudge is accepted with Redis stopped", nudged == 200, str(nudged))
        pending = app.shell(
            "from people.models import ReminderDelivery as R; print(R.objects.filter(status='pending').count())",
        )
        check("its reminders wait as pending deliveries", int(pending) > 0, pending.strip())
        seconds_down = time.perf_counter() - started

        # Redis back: the next sweep sends what waited (run here, eagerly, as a worker would).
        app.redis(redis_port)
        time.sleep(0.5)
        app.shell(
            "from interviews.tasks import reminders_sweep; reminders_sweep()",
            CELERY_TASK_ALWAYS_EAGER="1",
        )
        left = app.shell(
            "from people.models import ReminderDelivery as R; print(R.objects.exclude(status='sent').count())",
        )
        check("with Redis back one sweep sends every waiting reminder", left.strip() == "0", left.strip())
        mails = list(mail_dir.glob("*.log")) if mail_dir.exists() else []
        check(
            "the share's notice and the reminders went out by email", len(mails) >= 1, f"{len(mails)} files"
        )

        # 2. PostgreSQL drops every connection of the app.
        sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{DB_NAME}' AND pid <> pg_backend_pid()"
        )
        statuses = [employee.page(path) for path in pages] + [hr.page(f"/cycles/{cycle_id}/dashboard/")]
        check(
            "after PostgreSQL dropped every connection, pages answer without an app restart",
            statuses == [200] * len(statuses),
            str(statuses),
        )
        check("gunicorn was never restarted", web.poll() is None)
    finally:
        app.stop()

    status = check.report()
    results_merge(
        {
            "faults_checks_passed": check.passed,
            "faults_checks_total": len(check.rows),
            "faults_redis_down_requests_s": round(seconds_down, 2),
        }
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
