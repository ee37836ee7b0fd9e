"""What the scripts that run the app for real share: a throw-away database, the app's
environment, manage.py, background processes with their logs, a small browser, and the
table of checks that ends in bench/results.json.

Everything on 127.0.0.1; every process started here is stopped by App.stop().
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
BENCH = ROOT / "bench"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sql(statement: str) -> str:
    return subprocess.run(
        ["psql", f"{PG}/postgres", "-qAtc", statement], check=True, capture_output=True, text=True
    ).stdout.strip()


def wait_up(url: str, tries: int = 100) -> None:
    """Until the URL answers at all (a server starting, moto, gunicorn's /healthz)."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)


class App:
    """The app's environment on a database of its own, as production runs it but over HTTP."""

    def __init__(self, name: str, db_name: str, **env):
        self.work = Path(tempfile.mkdtemp(prefix=f"appraisal-{name}-"))
        self.db_name = db_name
        self.processes: list[subprocess.Popen] = []
        self.env = {
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "REDIS_URL"}
            },
            "DATABASE_URL": f"{PG}/{db_name}",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "VAR_DIR": str(self.work / "var"),
            **env,
        }

    def create_database(self) -> None:
        self.drop_database()
        sql(f"CREATE DATABASE {self.db_name}")

    def drop_database(self) -> None:
        sql(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)")

    def manage(self, *args: str, **extra) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env={**self.env, **extra}, capture_output=True, text=True
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)}: {result.stderr[-3000:]}")
        return result.stdout.strip()

    def shell(self, code: str, **extra) -> str:
        return self.manage("shell", "--no-imports", "-c", code, **extra)

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        """A background process of the app's, its output in <work>/<name>.log."""
        log = open(self.work / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def redis(self, port: int) -> subprocess.Popen:
        return self.start(
            "redis",
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        )

    def gunicorn(self, name: str, port: int, workers: int = 2) -> tuple[subprocess.Popen, str]:
        """gunicorn on 127.0.0.1:port, once it answers; the process and its base URL."""
        process = self.start(
            name, [str(BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers)]
        )
        base = f"http://127.0.0.1:{port}"
        wait_up(base + "/healthz")
        return process, base

    def log(self, name: str) -> str:
        return (self.work / f"{name}.log").read_text()

    def stop(self, *, keep_database: bool = False) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if not keep_database:
            self.drop_database()
        shutil.rmtree(self.work, ignore_errors=True)


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


def results_merge(figures: dict) -> None:
    """Add these figures to bench/results.json, keeping the other scripts' figures; only
    with --record (what `make bench` passes), so that CI's runs leave the committed figures
    as a person measured them."""
    path = BENCH / "results.json"
    if "--record" not in sys.argv:
        print(f"Figures not recorded (pass --record to write them to {path.relative_to(ROOT)}):")
        print(json.dumps(figures, indent=2, sort_keys=True))
        return
    results = json.loads(path.read_text()) if path.exists() else {}
    results.update(figures)
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


class Checks:
    """Named checks with a detail each, printed as a table at the end."""

    def __init__(self):
        self.rows: list[tuple[str, bool, str]] = []

    def __call__(self, name: str, ok: bool, detail: str = "") -> None:
        self.rows.append((name, ok, detail))

    @property
    def passed(self) -> int:
        return sum(ok for _name, ok, _detail in self.rows)

    def report(self) -> int:
        """Print the table; the exit code: 1 when a check failed."""
        width = max((len(name) for name, _ok, _detail in self.rows), default=0)
        for name, ok, detail in self.rows:
            print(f"{'ok  ' if ok else 'FAIL'} {name:{width}}  {detail}")
        return 0 if self.passed == len(self.rows) else 1
