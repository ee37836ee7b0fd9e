#!/usr/bin/env python
"""Faults, for real: the app under gunicorn on PostgreSQL with its own Redis, then Redis
stopped and PostgreSQL's connections cut, as a person using the site would meet them.

    python bench/faults.py      (CI runs it; needs PostgreSQL on 127.0.0.1:5432 and redis-server)

1. Redis stopped: every main page still answers 200, the prep form saves and shares (its
   email is sent in the web process instead), HR's nudge records its reminders; nothing
   is lost: with Redis back, one sweep sends every reminder that waited.
2. PostgreSQL drops every connection (what a restart does to its clients): the next
   requests are served without restarting the app (Django's connection health checks).

Prints a table of checks, writes bench/results.json (faults_* keys) and exits 1 if any
check failed. Everything runs on 127.0.0.1, in a throw-away database and its own ports.
"""

import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DB_NAME = "appraisal_faults"
PG = os.environ.get("FAULTS_PG", "postgres://postgres@127.0.0.1:5432")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Enough of a browser: cookies, CSRF tokens from forms, no redirects followed silently."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def page(self, path: str) -> int:
        """The status of a page that is really the signed-in person's (not a login form)."""
        status, body = self.get(path)
        return status if 'action="/accounts/logout/"' in body else -status

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def post(self, path: str, data: dict, form_page: str | None = None) -> tuple[int, str]:
        status, page = self.get(form_page or path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        body = urllib.parse.urlencode(
            {**data, "csrfmiddlewaretoken": token.group(1) if token else ""}
        ).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def log_in(self, email: str) -> int:
        status, _page = self.post("/accounts/login/", {"username": email, "password": "demo"})
        return status


def main() -> int:
    if not shutil.which("redis-server"):
        print("redis-server is not installed")
        return 1
    work = Path(tempfile.mkdtemp(prefix="appraisal-faults-"))
    redis_port, web_port = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}},
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "VAR_DIR": str(work / "var"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(work / "mail"),
        "CELERY_TASK_ALWAYS_EAGER": "",
    }

    def manage(*args: str, **extra) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env={**env, **extra}, capture_output=True, text=True
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)}: {result.stderr[-2000:]}")
        return result.stdout

    def sql(statement: str) -> None:
        subprocess.run(["psql", f"{PG}/postgres", "-qAtc", statement], check=True, capture_output=True)

    sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    sql(f"CREATE DATABASE {DB_NAME}")
    redis = web = None
    checks: list[tuple[str, bool, str]] = []

    def check(name: str, ok: bool, detail: str = "") -> None:
        checks.append((name, ok, detail))

    try:
        manage("migrate", "--noinput")
        manage("collectstatic", "--noinput")
        manage("seed_demo")
        redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        web = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{web_port}", "-w", "2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(work / "gunicorn.log", "w"),  # noqa: SIM115 - closed with the process
        )
        base = f"http://127.0.0.1:{web_port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)

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
        shared, _ = employee.post(
            f"/interviews/{interview_id}/prep/share/", {}, form_page=f"/interviews/{interview_id}/"
        )
        check(
            "prep form saves and shares with Redis stopped",
            (saved, shared) == (200, 200),
            f"{saved} {shared}",
        )
        stored = manage(
            "shell",
            "--no-imports",
            "-c",
            "from interviews.models import PrepForm; "
            f"p = PrepForm.objects.get(interview_id={interview_id}, role='employee'); print(p.state, p.work_tasks)",
        )
        check(
            "the saved text is in the database", stored.strip() == "shared Saved while Redis was down", stored
        )
        mails = list((work / "mail").glob("*.log")) if (work / "mail").exists() else []
        check("the share's email went out in-process", len(mails) >= 1, f"{len(mails)} files")
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
        pending = manage(
            "shell",
            "--no-imports",
            "-c",
            "from people.models import ReminderDelivery as R; print(R.objects.filter(status='pending').count())",
        )
        check("its reminders wait as pending deliveries", int(pending) > 0, pending.strip())
        seconds_down = time.perf_counter() - started

        # Redis back: the next sweep sends what waited (run here, eagerly, as a worker would).
        redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        manage(
            "shell",
            "--no-imports",
            "-c",
            "from interviews.tasks import reminders_sweep; reminders_sweep()",
            CELERY_TASK_ALWAYS_EAGER="1",
        )
        left = manage(
            "shell",
            "--no-imports",
            "-c",
            "from people.models import ReminderDelivery as R; print(R.objects.exclude(status='sent').count())",
        )
        check("with Redis back one sweep sends every waiting reminder", left.strip() == "0", left.strip())

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
        for process in (web, redis):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
        sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)

    width = max(len(name) for name, _ok, _detail in checks)
    for name, ok, detail in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {name:{width}}  {detail}")
    results_path = ROOT / "bench" / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    results.update(
        {
            "faults_checks_passed": sum(ok for _n, ok, _d in checks),
            "faults_checks_total": len(checks),
            "faults_redis_down_requests_s": round(seconds_down, 2),
        }
    )
    results_path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return 0 if all(ok for _n, ok, _d in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
