#!/usr/bin/env python
"""Load test of the main pages at the size of a large organisation, side by side with the
ceiling of this stack here.

    python bench/load.py [--employees 10000] [--seconds 10] [--keep] [--record]

A throw-away PostgreSQL database gets `seed_demo --employees N` and five years of history
(bench/history.py: about 200 units, 50,000 interviews, 100,000 agreed actions). gunicorn
serves it on 127.0.0.1 with DEBUG off; wrk (Debian's package) sends 8 concurrent
connections, signed in as the page's user, for a bounded time to each page in turn, and to
a view that renders a fixed string through the same middleware (the ceiling). Prints the
table and, with --record (`make bench`), merges load_* figures into bench/results.json.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

from harness import BENCH, ROOT, App, free_port, results_merge, sql

DB_NAME = "appraisal_load"
CONNECTIONS = 8

# What wrk reports, as one JSON line: requests, seconds, latency percentiles in ms, and
# every answer that was not a 2xx.
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50": %.2f, "p95": %.2f, "p99": %.2f, "bad": %d, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

# Who looks at what: one signed-in session per page, made with Django's own login.
TARGETS = """
import json
from django.test import Client
from interviews.models import Cycle, Interview, InterviewRecord
from people.models import OrgUnit, User

def session(email):
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client.cookies["sessionid"].value

cycle = Cycle.objects.get(state="open")
employee = User.objects.get(email="employee@demo.example")
mine = Interview.objects.get(cycle=cycle, employee=employee)
Interview.objects.filter(pk=mine.pk).update(state="scheduled")
manager = mine.partner
held = Interview.objects.filter(cycle=cycle, partner=manager).exclude(pk=mine.pk).first()
Interview.objects.filter(pk=held.pk).update(state="held")
InterviewRecord.objects.get_or_create(interview=held, number=1, defaults={"conclusions": "Draft"})
top = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
pages = [
    ("ceiling", "/bench/ping", employee.email),
    ("employee_home", "/", employee.email),
    # The home page is each role's to-do list: the manager's reads their talks, HR's its cycles.
    ("manager_home", "/", manager.email),
    ("hr_home", "/", "hr@demo.example"),
    ("manager_list", "/interviews/", manager.email),
    ("prep_form", f"/interviews/{mine.pk}/", employee.email),
    ("record", f"/interviews/{held.pk}/record/", manager.email),
    ("my_actions", "/goals/actions/", employee.email),
    ("hr_dashboard", f"/cycles/{cycle.pk}/dashboard/", "hr@demo.example"),
    ("drilldown", f"/cycles/{cycle.pk}/units/{top.pk}/", "hr@demo.example"),
]
sessions = {}
print(json.dumps([(name, path, sessions.setdefault(email, session(email))) for name, path, email in pages]))
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10, help="how long each page is loaded")
    # One worker per core: PostgreSQL shares the cores, and the pages are CPU-bound, so more
    # processes only queue inside the kernel and widen the tail (measured here: 2 workers
    # gave the same throughput as 4, and a p99 half as long).
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn worker processes")
    parser.add_argument("--keep", action="store_true", help="reuse the database of an earlier run")
    parser.add_argument("--record", action="store_true", help="write the figures to bench/results.json")
    args = parser.parse_args()
    for program in ("wrk", "psql"):
        if not shutil.which(program):
            print(f"{program} is not installed (apt-get install wrk postgresql-client)")
            return 1
    port, redis_port = free_port(), free_port()
    # As production runs: the cache in a Redis of its own (tasks run
    # eagerly: no worker is needed to serve pages).
    app = App(
        "load",
        DB_NAME,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        DJANGO_SETTINGS_MODULE="bench_settings",
        PYTHONPATH=os.pathsep.join([str(BENCH), str(ROOT)]),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        CELERY_TASK_ALWAYS_EAGER="1",
    )
    manage = app.manage

    exists = sql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") == "1"
    started = time.perf_counter()
    rows = []
    try:
        app.redis(redis_port)
        if not (args.keep and exists):
            app.create_database()
            manage("migrate", "--noinput")
            manage("seed_demo", "--employees", str(args.employees), "--without-cycles")
            sizes = json.loads(app.shell("import json, history; print(json.dumps(history.history_create()))"))
        else:
            manage("migrate", "--noinput")  # a kept database gets this checkout's migrations
            sizes = {}
        seeded_s = time.perf_counter() - started
        manage("collectstatic", "--noinput")
        targets = json.loads(app.shell(TARGETS))
        script = app.work / "report.lua"
        script.write_text(WRK_REPORT)
        _web, base = app.gunicorn("gunicorn", port, workers=args.workers)
        for name, path, session in targets:
            cookie = f"sessionid={session}"
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=30) as response:  # warm-up, and a check
                assert response.status == 200 and response.url == base + path, (name, response.url)
                size = len(response.read())
            output = subprocess.run(
                ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{args.seconds}s", "--timeout", "10s"]
                + ["-H", f"Cookie: {cookie}", "-s", str(script), base + path],
                capture_output=True,
                text=True,
                timeout=args.seconds + 60,
                check=True,
            ).stdout
            report = json.loads(output.strip().splitlines()[-1])
            rows.append(
                {"page": name, "bytes": size, "rps": report["requests"] / report["seconds"], **report}
            )
    finally:
        app.stop(keep_database=args.keep)

    ceiling = rows[0]["rps"]
    print(f"{args.employees} employees {sizes}; seeded in {seeded_s:.0f} s; {args.workers} gunicorn workers")
    print(
        f"{'page':<14} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'of ceiling':>11} {'bad':>5}"
    )
    results = {}
    failed = False
    for row in rows:
        ratio = row["rps"] / ceiling
        ok = row["page"] == "ceiling" or (row["p95"] < 100 and ratio >= 0.2)
        failed |= not ok or bool(row["bad"] or row["errors"])
        print(
            f"{row['page']:<14} {row['rps']:>8.0f} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['p99']:>8.1f}"
            f" {ratio:>10.0%} {row['bad'] + row['errors']:>5}{'' if ok else '  over target'}"
        )
        prefix = f"load_{row['page']}"
        results.update(
            {
                f"{prefix}_rps": round(row["rps"], 1),
                f"{prefix}_p50_ms": round(row["p50"], 1),
                f"{prefix}_p95_ms": round(row["p95"], 1),
                f"{prefix}_p99_ms": round(row["p99"], 1),
                f"{prefix}_ratio": round(ratio, 3),
            }
        )
    results.update({f"load_size_{k}": v for k, v in sizes.items()})
    results["load_employees"] = args.employees
    results_merge(results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
