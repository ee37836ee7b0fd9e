"""Five years of history for a large organisation, for the load test (bench/load.py).

Run inside Django (`manage.py shell`) after `seed_demo --employees N --without-cycles`:
each year a cycle launched through the ordinary service, then its interviews given the
states, records, agreed actions and preparation such a year leaves. Past summaries are
recorded as signed with a content hash, without rendering 40,000 PDFs.
"""

import datetime

from django.db import connection
from django.utils import timezone

from goals.models import AgreedAction
from interviews.models import Cycle, Interview, InterviewRecord, PrepForm
from interviews.services import cycle_create, cycle_launch
from people.models import OrgUnit, User

CURRENT = ["signed"] * 3 + ["held", "scheduled", "scheduled", "planned", "planned", "planned", "excused"]
PAST = ["signed"] * 9 + ["excused"]


def prep_flags_copy() -> None:
    """What prep_share marks on the interview, for prep forms bulk-created as shared."""
    for role in ("employee", "manager"):
        shared = PrepForm.objects.filter(role=role, state="shared").values("interview_id")
        Interview.objects.filter(pk__in=shared).update(**{f"{role}_shared": True})


def history_create(years: int = 5) -> dict[str, int]:
    hr = User.objects.get(email="hr@demo.example")
    top = OrgUnit.objects.filter(parent__isnull=True).order_by("pk")
    today = timezone.localdate()
    for back in range(years - 1, -1, -1):
        opens = today.replace(year=today.year - back) - datetime.timedelta(weeks=8)
        cycle = cycle_create(
            by=hr,
            units=list(top),
            name=f"Performance assessment interviews {opens.year}",
            opens_on=opens,
            closes_on=opens + datetime.timedelta(weeks=20),
        )
        cycle_launch(cycle=cycle, by=hr)
        _year(cycle, current=back == 0)
    prep_flags_copy()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum gives a live database: statistics, and the visibility map that
            # lets a count read an index alone. A freshly bulk-loaded one has neither yet.
            cursor.execute("VACUUM ANALYZE")
    return {
        "cycles": Cycle.objects.count(),
        "interviews": Interview.objects.count(),
        "records": InterviewRecord.objects.count(),
        "actions": AgreedAction.objects.count(),
        "units": OrgUnit.objects.count(),
        "people": User.objects.count(),
    }


def _year(cycle: Cycle, *, current: bool) -> None:
    states = CURRENT if current else PAST
    rows = list(cycle.interviews.order_by("pk").values_list("pk", "employee_id", "partner_id"))
    people = {pk: (employee, partner) for pk, employee, partner in rows}
    by_state: dict[str, list[int]] = {}
    for pk, _employee, _partner in rows:
        by_state.setdefault(states[pk % len(states)], []).append(pk)
    start = timezone.make_aware(datetime.datetime.combine(cycle.opens_on, datetime.time(10)))
    for state, pks in by_state.items():
        Interview.objects.filter(pk__in=pks).update(state=state)
    for pk in by_state.get("signed", []) + by_state.get("held", []) + by_state.get("scheduled", []):
        offset = datetime.timedelta(days=21 + pk % 60, hours=pk % 6)
        if current and pk in by_state.get("scheduled", ()):
            offset = timezone.now() - start + datetime.timedelta(days=3 + pk % 30)
        Interview.objects.filter(pk=pk).update(starts_at=start + offset, duration_minutes=60)
    if not current:
        Cycle.objects.filter(pk=cycle.pk).update(
            state="closed", closed_at=start + datetime.timedelta(weeks=20)
        )

    signed_at = start + datetime.timedelta(weeks=6)
    content = {"sections": {}, "conclusions": "Signed summary", "actions": [], "goals": []}
    InterviewRecord.objects.bulk_create(
        [
            InterviewRecord(
                interview_id=pk,
                number=1,
                conclusions="Signed summary",
                manager_signed_at=signed_at,
                employee_signed_at=signed_at,
                locked_at=signed_at,
                content=content,
                content_hash="0" * 64,
            )
            for pk in by_state.get("signed", [])
        ]
        + [
            InterviewRecord(interview_id=pk, number=1, conclusions="Draft") for pk in by_state.get("held", [])
        ],
        batch_size=2000,
    )
    records = InterviewRecord.objects.filter(interview__cycle=cycle).values_list("pk", "interview_id")
    due = cycle.opens_on + datetime.timedelta(weeks=30)
    AgreedAction.objects.bulk_create(
        [
            AgreedAction(
                source_model="interviews.InterviewRecord",
                source_id=record,
                employee_id=people[interview][0],
                partner_id=people[interview][1],
                owner_kind="employee" if n else "manager",
                owner_id=people[interview][n == 0],
                what=f"Agreed action {n + 1}",
                due_on=due + datetime.timedelta(days=(record * 7 + n * 30) % 120),
                standard="Both have seen it",
                status=("open", "in_progress", "done")[(record + n) % 3]
                if current
                else ("done", "done", "dropped", "done")[(record + n) % 4],
                reviewed_at=None if current else signed_at + datetime.timedelta(weeks=52),
            )
            for record, interview in records
            for n in range(2 + (record % 2 if not current else 1))
        ],
        batch_size=5000,
    )
    prep = []
    shared_at = timezone.now()  # the page says "shared since"
    for pk in by_state.get("signed", []) + by_state.get("held", []) + by_state.get("scheduled", []):
        employee, partner = people[pk]
        # The employee has shared; two managers in three have too.
        authors = [("employee", employee)] + ([("manager", partner)] if pk % 3 else [])
        prep.extend(
            PrepForm(
                interview_id=pk,
                role=role,
                author_id=author,
                state="shared",
                shared_at=shared_at,
                work_tasks="Prepared",
            )
            for role, author in authors
        )
    PrepForm.objects.bulk_create(prep, batch_size=5000, ignore_conflicts=True)
