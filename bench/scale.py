#!/usr/bin/env python
"""More than one node, for real: two gunicorn instances and two Celery workers on one
PostgreSQL, one Redis and one S3-compatible bucket (moto's server), as
`docker compose up --scale web=2 --scale worker=2` runs them.

    python bench/scale.py      (CI runs it; needs PostgreSQL on 127.0.0.1:5432 and redis-server)

1. A session started on one web node is valid on the other (sessions in PostgreSQL).
2. A record signed through node A downloads through node B, byte for byte, from the bucket.
3. Eight reminder sweeps queued at once and shared by the two workers send every reminder
   exactly once.

Prints a table of checks, with --record writes bench/results.json (scale_* keys) and exits 1
if a check failed. Everything runs on 127.0.0.1, in a throw-away database and its own ports.
"""

import collections
import email
import email.policy
import json
import shutil
import sys
import time

from harness import BIN, App, Browser, Checks, free_port, results_merge, wait_up

DB_NAME = "appraisal_scale"

PREPARE = """
import datetime
from django.utils import timezone
from interviews.models import Interview, InterviewRecord
from interviews import records
interview = Interview.objects.filter(employee__email="employee@demo.example", cycle__state="open").get()
Interview.objects.filter(pk=interview.pk).update(
    state="held", starts_at=timezone.now() - datetime.timedelta(hours=3), duration_minutes=60
)
interview.refresh_from_db()
draft = InterviewRecord.objects.filter(interview=interview, locked_at__isnull=True).first()
records.record_save(
    interview=interview, by=interview.partner, values={"conclusions": "Signed across two nodes."},
    expected_version=draft.edit_version if draft else 0,
)
records._record_sign(interview=interview, by=interview.partner, proof=None)
print(interview.pk)
"""

WAIT_SENT = """
from people.models import ReminderDelivery as R
print(R.objects.count(), R.objects.filter(status="sent").count())
"""

# The reminders that go out by email (people choose per kind; every one shows in the app),
# and how many in-app notices the deliveries made.
DELIVERIES = """
import json
from people.models import Notification, ReminderDelivery as R
from people.reminders import wants_email
# The sweeps' own: the signing's hand-offs were sent (and their mail cleared) before them.
after = {after}
emailed = [
    (d.recipient.email, d.subject) for d in R.objects.filter(pk__gt=after).select_related("recipient")
    if wants_email(d.recipient, d.kind)
]
print(json.dumps({{"emailed": emailed, "notices": Notification.objects.filter(delivery__isnull=False).count()}}))
"""

LAST_DELIVERY = """
from people.models import ReminderDelivery as R
print(R.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
"""


def main() -> int:
    for program in ("redis-server", "psql"):
        if not shutil.which(program):
            print(f"{program} is not installed")
            return 1
    redis_port, s3_port, port_a, port_b = free_port(), free_port(), free_port(), free_port()
    app = App(
        "scale",
        DB_NAME,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        S3_BUCKET="summaries",
        S3_ENDPOINT_URL=f"http://127.0.0.1:{s3_port}",
        S3_REGION="eu-north-1",
        AWS_ACCESS_KEY_ID="scale",
        AWS_SECRET_ACCESS_KEY="scale",
        CELERY_TASK_ALWAYS_EAGER="",
    )
    work = app.work
    app.env.update(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(work / "mail")
    )
    manage, shell, start, check = app.manage, app.shell, app.start, Checks()
    app.create_database()
    try:
        app.redis(redis_port)
        start("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)])
        wait_up(app.env["S3_ENDPOINT_URL"])
        shell(
            "import boto3, os; boto3.client('s3', endpoint_url=os.environ['S3_ENDPOINT_URL'],"
            " region_name='eu-north-1').create_bucket(Bucket='summaries',"
            " CreateBucketConfiguration={'LocationConstraint': 'eu-north-1'})"
        )
        manage("migrate", "--noinput")
        manage("collectstatic", "--noinput")
        manage("seed_demo")  # last year's signed summaries go into the bucket too
        interview_id = shell(PREPARE, CELERY_TASK_ALWAYS_EAGER="1")
        _web_a, node_a = app.gunicorn("web-a", port_a)
        _web_b, node_b = app.gunicorn("web-b", port_b)
        for name in ("worker-a", "worker-b"):
            start(
                name,
                [str(BIN / "celery"), "-A", "config", "worker", "-n", f"{name}@%h", "--concurrency", "2"]
                + ["--loglevel", "INFO", "--prefetch-multiplier", "1"],
            )

        # 1. One session, two nodes.
        employee = Browser(node_a)
        check("employee signs in on node A", employee.log_in("employee@demo.example") == 200)
        employee.base = node_b
        check("the same session is valid on node B", employee.page("/") == 200)

        # 2. Signed on A, downloaded from B.
        employee.base = node_a
        record_page = f"/interviews/{interview_id}/record/"
        status, _page = employee.post(
            f"/interviews/{interview_id}/record/sign/",
            {"comment": "", "password": "demo"},
            form_page=record_page,
        )
        state = shell(
            f"from interviews.models import Interview; print(Interview.objects.get(pk={interview_id}).state)"
        )
        check("the employee signs through node A", state == "signed", f"{status} {state}")
        pdf_path = f"/interviews/{interview_id}/record/1/summary.pdf"
        downloads = {}
        for name, base in (("A", node_a), ("B", node_b)):
            employee.base = base
            with employee.opener.open(base + pdf_path, timeout=30) as response:
                downloads[name] = response.read()
        check(
            "the summary signed on A downloads from B, the same bytes",
            downloads["B"].startswith(b"%PDF") and downloads["A"] == downloads["B"],
            f"{len(downloads['B'])} bytes",
        )
        keys = shell(
            "import boto3, os; print(len(boto3.client('s3', endpoint_url=os.environ['S3_ENDPOINT_URL'],"
            " region_name='eu-north-1').list_objects_v2(Bucket='summaries').get('Contents', [])))"
        )
        on_disk = [p for p in (work / "var").rglob("*.pdf")]
        check(
            "it is stored in the bucket, not on a node's disk",
            int(keys) >= 1 and not on_disk,
            f"{keys} objects, {len(on_disk)} PDF files on disk",
        )

        # 3. Eight sweeps at once, over two workers: every reminder exactly once.
        before = int(shell(LAST_DELIVERY))
        shutil.rmtree(work / "mail", ignore_errors=True)
        shell("from interviews.tasks import reminders_sweep\nfor _ in range(8): reminders_sweep.delay()")
        started = time.perf_counter()
        total = sent = -1
        while time.perf_counter() - started < 120:
            total, sent = map(int, shell(WAIT_SENT).split())
            if total > 0 and total == sent:
                break
            time.sleep(1)
        time.sleep(2)  # a duplicate, if there were one, would land now
        # The file backend writes each message once; other mail (the signing's notices)
        # may land there too, so count the reminders' own.
        deliveries = json.loads(shell(DELIVERIES.format(after=before)))
        wanted = collections.Counter((to, " ".join(subject.split())) for to, subject in deliveries["emailed"])
        mails = collections.Counter()
        for path in (work / "mail").glob("*.log"):
            for chunk in path.read_bytes().split(b"-" * 79 + b"\n"):
                if chunk.strip():
                    message = email.message_from_bytes(chunk, policy=email.policy.default)
                    # A long subject comes folded; unfolded, it is the subject that was sent.
                    mails[(str(message["To"]), " ".join(str(message["Subject"]).split()))] += 1
        emailed = collections.Counter({key: mails[key] for key in wanted})
        check("the sweeps find reminders to send", total > 0, f"{total} deliveries")
        check("every reminder is sent", total == sent, f"{sent} of {total}")
        check(
            "each shows once in the app", deliveries["notices"] == total, f"{deliveries['notices']} notices"
        )
        check(
            "each reminder is emailed exactly once",
            emailed == wanted and max(wanted.values(), default=0) == 1,
            f"{sum(emailed.values())} emails for {len(wanted)} reminders"
            + "".join(f"; missing {key}" for key in list(wanted - emailed)[:2])
            + "".join(f"; e.g. {key}" for key in list(mails - wanted)[:2]),
        )
        logs = {name: app.log(name) for name in ("worker-a", "worker-b")}
        worked = [name for name, text in logs.items() if "succeeded" in text]
        check("both workers did some of the work", len(worked) == 2, ", ".join(worked))
        seconds = time.perf_counter() - started
    finally:
        app.stop()

    status = check.report()
    results_merge(
        {
            "scale_checks_passed": check.passed,
            "scale_checks_total": len(check.rows),
            "scale_sweeps_to_all_sent_s": round(seconds, 2),
        }
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
