"""Demo cycles for the demo organisation: last year's, closed, and this year's, under way.

The dashboard, the follow-up of last year's actions and the progress chart only show
something with a history, so seed_demo adds one. Cycles are launched and records signed
through the services (so records carry real hashes and PDFs); what only time would do
(booking, holding, the dates of past signatures) is set directly. Deterministic: the same
organisation and day give the same figures. Nothing is emailed.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from goals.models import AgreedAction
from interviews import calendar_rules, records, services
from interviews.models import Cycle, Interview, PrepForm, SignMethod
from interviews.records import RECORD_LABEL
from people.demo import DEMO_LOGINS
from people.models import OrgUnit, User

# Share of this year's interviews in each state, by how far each department has come:
# (signed, held, scheduled) out of 20, the rest planned; one in twenty excused.
PACE = [(9, 2, 6), (5, 2, 8), (2, 1, 9), (0, 0, 5), (12, 3, 4)]
HOUR = datetime.timedelta(hours=1)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=ZoneInfo(settings.TIME_ZONE))


def _record(interview: Interview, signed_on: datetime.date, *, actions: list[tuple[str, datetime.date, str]]):
    """Write, agree and sign a record on a given day, with its actions (owner kind, due, status)."""
    draft = records._draft(interview, by=interview.partner, create=True)
    draft.work_tasks = "Teaching load and the research application were discussed; priorities agreed."
    draft.development = "A course in supervision is wanted and supported."
    draft.conclusions = "Good year. Follow up the agreed actions at the next talk."
    draft.save()
    for position, (owner_kind, due_on, status) in enumerate(actions):
        AgreedAction.objects.create(
            source_model=RECORD_LABEL,
            source_id=draft.pk,
            employee=interview.employee,
            partner=interview.partner,
            owner_kind=owner_kind,
            owner=interview.employee if owner_kind == "employee" else interview.partner,
            what="Take the supervision course" if position == 0 else "Set aside time for writing",
            due_on=due_on,
            standard="Course certificate shown"
            if position == 0
            else "Two writing days a month in the calendar",
            status=status,
            position=position,
        )
    now = _at(signed_on, 14)
    proof = records.SignerProof(method=SignMethod.PASSWORD, authenticated_at=now)
    records._record_sign(interview=interview, by=interview.partner, proof=proof, now=now, tell=False)
    records._record_sign(interview=interview, by=interview.employee, proof=proof, now=now, tell=False)


def _meeting_day(day: datetime.date, *, cycle: Cycle, past: bool) -> datetime.date:
    """The working day nearest the one drawn, inside the cycle: before it for a talk already held,
    so that it stays in the past, after it for one still to come."""
    earlier, later = calendar_rules.previous_working_day(day), calendar_rules.next_working_day(day)
    if past:
        return earlier if earlier >= cycle.opens_on else later
    return later if later <= cycle.closes_on else earlier


def _meeting_start(day: datetime.date, interview: Interview) -> datetime.datetime:
    """An hour's meeting starting between 09:00 and 12:00, varied by the interview, within the
    working hours (a record is signed at 14:00, after it)."""
    opens, closes = calendar_rules.working_hours()
    start = datetime.time(9 + interview.pk % 4)
    if not opens <= start <= (datetime.datetime.combine(day, closes) - HOUR).time():
        start = opens
    return datetime.datetime.combine(day, start, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _hold(interview: Interview, on: datetime.date, state: str) -> None:
    starts_at = _meeting_start(on, interview)
    Interview.objects.filter(pk=interview.pk).update(
        state=state, starts_at=starts_at, duration_minutes=60, place="Meeting room 3"
    )
    interview.refresh_from_db()


@transaction.atomic
def demo_cycles_create(*, today: datetime.date | None = None) -> tuple[Cycle, Cycle] | None:
    """Create last year's and this year's cycle over the whole demo organisation, once."""
    if Cycle.objects.exists():
        return None
    today = today or timezone.localdate()
    hr = User.objects.get(email=DEMO_LOGINS["hr"])
    units = list(OrgUnit.objects.filter(parent__isnull=True))
    this_opens = today - datetime.timedelta(weeks=6)
    last_opens = this_opens - datetime.timedelta(days=364)
    demo_people = set(User.objects.filter(email__in=DEMO_LOGINS.values()).values_list("pk", flat=True))

    # Last year: launched, nearly all signed over fourteen weeks, closed.
    last = services.cycle_create(
        by=hr,
        units=units,
        name=f"Performance assessment interviews {last_opens.year}",
        opens_on=last_opens,
        closes_on=last_opens + datetime.timedelta(weeks=16),
    )
    services.cycle_launch(cycle=last, by=hr)
    for i, interview in enumerate(last.interviews.select_related("employee", "partner", "unit", "cycle")):
        if i % 17 == 5:
            Interview.objects.filter(pk=interview.pk).update(
                state=Interview.State.EXCUSED, reason="Parental leave"
            )
            continue
        if i % 13 == 7:
            continue  # never held: last year's stragglers
        signed_on = _meeting_day(
            last_opens + datetime.timedelta(days=10 + (i * 7) % 90), cycle=last, past=True
        )
        _hold(interview, signed_on, Interview.State.HELD)
        due = signed_on + datetime.timedelta(days=120 + i % 60)
        # Most were done; a few are still open and now overdue, which the reminders chase.
        _record(
            interview,
            signed_on,
            actions=[
                ("employee", due, "done" if i % 4 else "open"),
                ("manager", due + datetime.timedelta(days=30), "done" if i % 3 else "in_progress"),
            ],
        )
    services.cycle_close(cycle=last, by=hr, confirm_unfinished=True)
    Cycle.objects.filter(pk=last.pk).update(launched_at=_at(last_opens, 8), closed_at=_at(last.closes_on, 16))

    # This year: six weeks in, departments at different paces.
    current = services.cycle_create(
        by=hr,
        units=units,
        name=f"Performance assessment interviews {this_opens.year}",
        opens_on=this_opens,
        closes_on=this_opens + datetime.timedelta(weeks=16),
    )
    services.cycle_launch(cycle=current, by=hr)
    Cycle.objects.filter(pk=current.pk).update(launched_at=_at(this_opens, 8))
    interviews = current.interviews.select_related("employee", "partner", "unit", "cycle").order_by(
        "unit__path", "employee__employee_number"
    )
    department_index: dict[int, int] = {}
    for i, interview in enumerate(interviews):
        pace = PACE[department_index.setdefault(interview.unit_id, len(department_index)) % len(PACE)]
        slot = i % 20
        signed, held, scheduled = pace
        if interview.employee_id in demo_people:
            # The demo logins get a talk still to prepare for, so that they can try it.
            slot = signed + held
        if slot == 19:
            Interview.objects.filter(pk=interview.pk).update(
                state=Interview.State.EXCUSED, reason="New starter"
            )
        elif slot < signed:
            day = _meeting_day(
                this_opens + datetime.timedelta(days=3 + (i * 5) % 38), cycle=current, past=True
            )
            _hold(interview, day, Interview.State.HELD)
            _record(
                interview, day, actions=[("employee", today + datetime.timedelta(days=90 + i % 60), "open")]
            )
        elif slot < signed + held:
            day = _meeting_day(today - datetime.timedelta(days=1 + i % 5), cycle=current, past=True)
            _hold(interview, day, Interview.State.HELD)
        elif slot < signed + held + scheduled:
            day = _meeting_day(today + datetime.timedelta(days=3 + i % 30), cycle=current, past=False)
            _hold(interview, day, Interview.State.SCHEDULED)
            for role, author, shares in (
                (PrepForm.Role.EMPLOYEE, interview.employee, i % 3 != 0),
                (PrepForm.Role.MANAGER, interview.partner, i % 2 == 0),
            ):
                if interview.employee_id in demo_people:
                    shares = role == PrepForm.Role.MANAGER
                PrepForm.objects.create(
                    interview=interview,
                    role=role,
                    author=author,
                    state=PrepForm.State.SHARED if shares else PrepForm.State.DRAFT,
                    shared_at=timezone.now() if shares else None,
                    work_tasks="Notes for the talk.",
                )
                if shares:
                    Interview.objects.filter(pk=interview.pk).update(**{f"{role}_shared": True})
    return last, current
