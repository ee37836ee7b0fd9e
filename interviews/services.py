"""Writes for cycles and interviews: each state change is one service that checks the step."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from interviews import calendar_rules
from interviews.handoffs import handoff_meeting_booked, handoff_prep_shared
from interviews.invitations import invitations_send_on_commit
from interviews.launching import (
    LaunchResult,
    PlanChanged,
    cycle_launch_plan,
    interviews_create,
    interviews_lock,
    interviews_overlapping,
    window_text,
)
from interviews.models import Cycle, Interview, LocalGuideline, PrepForm
from interviews.sections import SECTION_KEYS, SECTIONS, text_problems
from interviews.selectors import (
    GUIDELINES,
    cycle_manageable_by,
    interview_changeable_by,
    prep_role_of,
)
from people.audit import audit
from people.generations import generation_renew, homes_renew, homes_renew_all
from people.models import User

# --- cycles ----------------------------------------------------------------------------


CYCLE_FIELDS = [
    "name",
    "opens_on",
    "closes_on",
    "frequency",
    "min_notice_days",
    "min_length_minutes",
    "prep_reminder_days",
    "archive_for_hr",
]


def _require_manageable(cycle: Cycle, by: User) -> None:
    if not cycle_manageable_by(cycle, by):
        raise ValidationError(_("Only HR for all of this cycle's units can change it."))


@transaction.atomic
def cycle_create(*, by: User, units, **fields) -> Cycle:
    cycle = Cycle(created_by=by, **{k: fields[k] for k in CYCLE_FIELDS if k in fields})
    cycle.full_clean(exclude=["units"])
    cycle.save()
    cycle.units.set(units)
    _require_manageable(cycle, by)
    audit("cycle_created", actor=by, obj=cycle)
    return cycle


@transaction.atomic
def cycle_update(*, cycle: Cycle, by: User, expected_version: int, units, **fields) -> Cycle:
    """Change a draft cycle. An edit based on an older version is refused."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _require_manageable(cycle, by)
    if cycle.state != Cycle.State.DRAFT:
        raise ValidationError(
            _("Only a draft cycle can be edited; this one is %(state)s.")
            % {"state": cycle.get_state_display().lower()}
        )
    if cycle.version != expected_version:
        raise ValidationError(
            _("Someone else changed this cycle meanwhile. Reload the page to see their change.")
        )
    for key in CYCLE_FIELDS:
        if key in fields:
            setattr(cycle, key, fields[key])
    cycle.version = F("version") + 1
    cycle.full_clean(exclude=["units", "version"])
    cycle.save()
    cycle.units.set(units)
    _require_manageable(cycle, by)
    cycle.refresh_from_db()
    audit("cycle_changed", actor=by, obj=cycle)
    return cycle


@transaction.atomic
def cycle_launch(*, cycle: Cycle, by: User, expected_plan: str | None = None) -> LaunchResult:
    """Open a draft cycle: one interview for each person in scope with a partner, in one bulk
    operation, leaving out whoever has an interview in an overlapping cycle.

    With expected_plan (the digest of the preview HR confirmed), a plan that has changed
    since raises PlanChanged and creates nothing.
    """
    interviews_lock()
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _require_manageable(cycle, by)
    if cycle.state != Cycle.State.DRAFT:
        raise ValidationError(_("This cycle has been launched already."))
    if not cycle.units.exists():
        raise ValidationError(_("Choose at least one unit before launching."))
    result = _create_planned(cycle, expected_plan)
    cycle.state = Cycle.State.OPEN
    cycle.launched_at = timezone.now()
    cycle.version = F("version") + 1
    cycle.save(update_fields=["state", "launched_at", "version"])
    audit(
        "cycle_launched",
        actor=by,
        obj=cycle,
        detail=f"created={result.created} without_partner={result.without_partner} left_out={result.left_out}",
    )
    return result


@transaction.atomic
def cycle_add_missing(*, cycle: Cycle, by: User, expected_plan: str | None = None) -> LaunchResult:
    """Add interviews for people who joined the scope, or got a partner, after the launch."""
    interviews_lock()
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _require_manageable(cycle, by)
    if cycle.state != Cycle.State.OPEN:
        raise ValidationError(_("People can be added only while the cycle is open."))
    result = _create_planned(cycle, expected_plan)
    audit(
        "cycle_people_added",
        actor=by,
        obj=cycle,
        detail=f"created={result.created} left_out={result.left_out}",
    )
    return result


def _create_planned(cycle: Cycle, expected_plan: str | None) -> LaunchResult:
    # Planned again inside the lock, whatever the preview said: only this plan is sure to
    # see every interview another launch created.
    plan = cycle_launch_plan(cycle)
    if expected_plan is not None and plan.digest != expected_plan:
        raise PlanChanged(plan)
    return interviews_create(cycle, plan)


@transaction.atomic
def cycle_close(*, cycle: Cycle, by: User, confirm_unfinished: bool = False) -> int:
    """Close an open cycle; returns how many interviews were unfinished.

    With unfinished interviews, HR must confirm: the count is in the message.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _require_manageable(cycle, by)
    if cycle.state != Cycle.State.OPEN:
        raise ValidationError(_("Only an open cycle can be closed."))
    unfinished = cycle.interviews.filter(state__in=Interview.UNFINISHED).count()
    if unfinished and not confirm_unfinished:
        raise ValidationError(
            _("%(count)d interviews are not finished. Tick the box to close the cycle anyway.")
            % {"count": unfinished}
        )
    cycle.state = Cycle.State.CLOSED
    cycle.closed_at = timezone.now()
    cycle.version = F("version") + 1
    cycle.save(update_fields=["state", "closed_at", "version"])
    homes_renew_all()  # every party of the cycle's talks: their to-do lists read open cycles only
    audit("cycle_closed", actor=by, obj=cycle, detail=f"unfinished={unfinished}")
    return unfinished


# --- interviews ------------------------------------------------------------------------


def _lock(interview: Interview, *, by: User, expected_version: int | None) -> Interview:
    interview = (
        Interview.objects.select_for_update()
        .select_related("cycle", "employee", "partner")
        .get(pk=interview.pk)
    )
    if expected_version is not None and interview.version != expected_version:
        raise ValidationError(
            _("Someone else changed this interview meanwhile (%(state)s). Reload the page and try again.")
            % {"state": interview.get_state_display().lower()}
        )
    if interview.cycle.state != Cycle.State.OPEN:
        raise ValidationError(
            _("The cycle is %(state)s; its interviews can no longer change.")
            % {"state": interview.cycle.get_state_display().lower()}
        )
    return interview


def _save(interview: Interview, fields: list[str], *, action: str = "") -> None:
    interview.version += 1
    interview.save(update_fields=[*fields, "version", "updated_at"])
    homes_renew(interview.employee_id, interview.partner_id)
    audit(action or f"interview_{interview.state}", obj=interview)


def scheduling_problems(
    *,
    interview: Interview,
    starts_at: datetime.datetime,
    duration_minutes: int,
    now: datetime.datetime | None = None,
) -> dict[str, list[str]]:
    """Every scheduling rule the proposed meeting breaks, by form field; empty when it is fine."""
    cycle = interview.cycle
    now = now or timezone.now()
    problems: dict[str, list[str]] = {}
    local_start = timezone.localtime(starts_at)
    ends_at = starts_at.astimezone(datetime.UTC) + datetime.timedelta(
        minutes=duration_minutes
    )  # not on the wall clock
    local_end = timezone.localtime(ends_at)

    if duration_minutes < cycle.min_length_minutes:
        problems.setdefault("duration_minutes", []).append(
            _("The meeting must last at least %(minutes)d minutes in this cycle.")
            % {"minutes": cycle.min_length_minutes}
        )
    if local_start.date() < cycle.opens_on or local_end.date() > cycle.closes_on:
        problems.setdefault("date", []).append(
            _("The meeting must lie inside the cycle, from %(opens)s to %(closes)s.")
            % {"opens": date_format(cycle.opens_on), "closes": date_format(cycle.closes_on)}
        )
    earliest = timezone.localdate(now) + datetime.timedelta(days=cycle.min_notice_days)
    if local_start.date() < earliest:
        problems.setdefault("date", []).append(
            _("Book at least %(days)d days ahead: the earliest date is %(date)s.")
            % {
                "days": cycle.min_notice_days,
                "date": date_format(calendar_rules.earliest_meeting_day(cycle, now=now)),
            }
        )
    elif starts_at < now:
        # Without notice (0 days) today is allowed, but not its hours already gone.
        same_day = local_start.date() == timezone.localdate(now)
        problems.setdefault("time" if same_day else "date", []).append(
            _("%(when)s has already passed; choose a later time.")
            % {"when": date_format(local_start, "DATETIME_FORMAT")}
        )
    day = local_start.date()
    if not calendar_rules.is_working_weekday(day):
        problems.setdefault("date", []).append(
            _("%(date)s is a %(weekday)s, not a working day: meetings are held %(days)s.")
            % {
                "date": date_format(day),
                "weekday": calendar_rules.weekday_name(day),
                "days": calendar_rules.working_days_text(),
            }
        )
    elif holiday := calendar_rules.public_holiday(day):
        problems.setdefault("date", []).append(
            _("%(date)s is a public holiday (%(name)s); choose another day.")
            % {"date": date_format(day, "MONTH_DAY_FORMAT"), "name": holiday}
        )
    elif calendar_rules.organisation_closed(day):
        problems.setdefault("date", []).append(
            _("The organisation is closed on %(date)s; choose another day.") % {"date": date_format(day)}
        )
    opens, closes = calendar_rules.working_hours()
    if local_start.time() < opens or local_end.date() != day or local_end.time() > closes:
        problems.setdefault("time", []).append(
            _(
                "Meetings are held between %(opens)s and %(closes)s; this one would run from "
                "%(start)s to %(end)s."
            )
            % {
                "opens": time_format(opens),
                "closes": time_format(closes),
                "start": time_format(local_start),
                "end": time_format(local_end),
            }
        )
    # Meetings are at most a working day long, so a day's margin finds every overlap.
    nearby = (
        Interview.objects.filter(
            state=Interview.State.SCHEDULED,
            starts_at__lt=ends_at,
            starts_at__gt=starts_at - datetime.timedelta(days=1),
        )
        .exclude(pk=interview.pk)
        .select_related("employee", "partner")
    )
    for other in nearby.filter(partner=interview.partner_id):
        if other.ends_at > starts_at:
            problems.setdefault("time", []).append(
                _("You already have an interview with %(other)s from %(start)s to %(end)s.")
                % {
                    "other": other.employee,
                    "start": date_format(timezone.localtime(other.starts_at), "H:i"),
                    "end": date_format(timezone.localtime(other.ends_at), "H:i"),
                }
            )
    for other in nearby.filter(employee=interview.employee_id):
        if other.ends_at > starts_at:
            problems.setdefault("time", []).append(
                _("%(employee)s already has an interview at that time.") % {"employee": interview.employee}
            )
    return problems


@transaction.atomic
def interview_schedule(
    *,
    interview: Interview,
    by: User,
    starts_at: datetime.datetime,
    duration_minutes: int,
    place: str = "",
    note: str = "",
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> Interview:
    """Book or move the meeting; both parties get a calendar invitation after commit."""
    # One manager's bookings are checked one at a time, so two tabs cannot double-book them.
    User.objects.select_for_update().filter(pk=interview.partner_id).first()
    interview = _lock(interview, by=by, expected_version=expected_version)
    if not interview_changeable_by(interview, by, action="schedule"):
        raise ValidationError(_("Only the interview partner can book the meeting."))
    if interview.state not in (Interview.State.PLANNED, Interview.State.SCHEDULED):
        raise ValidationError(
            _("A meeting can be booked only for a planned or scheduled interview, not a %(state)s one.")
            % {"state": interview.get_state_display().lower()}
        )
    problems = scheduling_problems(
        interview=interview, starts_at=starts_at, duration_minutes=duration_minutes, now=now
    )
    if len(note) > Interview.NOTE_MAX_LENGTH:
        problems.setdefault("note", []).append(
            _("The note is %(length)d characters long; the most is %(max)d.")
            % {"length": len(note), "max": Interview.NOTE_MAX_LENGTH}
        )
    if len(place) > 500:
        problems.setdefault("place", []).append(_("The place is longer than 500 characters."))
    if problems:
        raise ValidationError(problems)
    rescheduling = interview.state == Interview.State.SCHEDULED
    if rescheduling and (
        interview.starts_at,
        interview.duration_minutes,
        interview.place,
        interview.note,
    ) == (
        starts_at,
        duration_minutes,
        place,
        note,
    ):
        raise ValidationError(_("Nothing changed: the meeting is already booked like this."))
    if rescheduling:
        interview.ics_sequence += 1
    interview.state = Interview.State.SCHEDULED
    interview.starts_at = starts_at
    interview.duration_minutes = duration_minutes
    interview.place = place
    interview.note = note
    # Moving a meeting is its own entry: HR reading the log tells a booking from a change of it.
    _save(
        interview,
        ["state", "starts_at", "duration_minutes", "place", "note", "ics_sequence"],
        action="interview_rescheduled" if rescheduling else "",
    )
    invitations_send_on_commit(interview, kind="rescheduled" if rescheduling else "scheduled")
    handoff_meeting_booked(interview=interview, moved=rescheduling)
    return interview


def _end(
    interview: Interview, *, by: User, state: str, reason: str, expected_version: int | None
) -> Interview:
    interview = _lock(interview, by=by, expected_version=expected_version)
    if not interview_changeable_by(interview, by, action=state):
        raise ValidationError(_("Only the interview partner or HR can do this."))
    if interview.state not in (Interview.State.PLANNED, Interview.State.SCHEDULED):
        raise ValidationError(
            _("A %(state)s interview cannot be cancelled or excused.")
            % {"state": interview.get_state_display().lower()}
        )
    if not reason.strip():
        raise ValidationError({"reason": [_("Give a reason; both parties will see it.")]})
    had_meeting = interview.state == Interview.State.SCHEDULED
    interview.state = state
    interview.reason = reason.strip()
    fields = ["state", "reason"]
    if had_meeting:
        interview.ics_sequence += 1
        fields.append("ics_sequence")
    _save(interview, fields)
    if had_meeting:
        invitations_send_on_commit(interview, kind="cancelled")
    return interview


@transaction.atomic
def interview_cancel(
    *, interview: Interview, by: User, reason: str, expected_version: int | None = None
) -> Interview:
    return _end(
        interview, by=by, state=Interview.State.CANCELLED, reason=reason, expected_version=expected_version
    )


@transaction.atomic
def interview_excuse(
    *, interview: Interview, by: User, reason: str, expected_version: int | None = None
) -> Interview:
    """Excuse the employee from this cycle's interview (leave, new starter, ...)."""
    return _end(
        interview, by=by, state=Interview.State.EXCUSED, reason=reason, expected_version=expected_version
    )


@transaction.atomic
def interview_reopen(*, interview: Interview, by: User, expected_version: int | None = None) -> Interview:
    """Undo a cancellation or an excuse: the interview is planned again, without a meeting.

    Refused while the employee has an interview in an overlapping cycle (interviews.launching).
    """
    interviews_lock()  # before the interview's row, in the order a launch takes them
    interview = _lock(interview, by=by, expected_version=expected_version)
    if not interview_changeable_by(interview, by, action="reopen"):
        raise ValidationError(_("Only the interview partner or HR can do this."))
    if interview.state not in (Interview.State.CANCELLED, Interview.State.EXCUSED):
        raise ValidationError(_("Only a cancelled or excused interview can be reopened."))
    other = (
        interviews_overlapping(interview.cycle)
        .filter(employee_id=interview.employee_id)
        .select_related("cycle")
        .first()
    )
    if other is not None:
        raise ValidationError(
            _(
                "%(name)s already has an interview in %(cycle)s (%(window)s), at the same time as "
                "this one. Cancel or excuse that interview first."
            )
            % {
                "name": interview.employee,
                "cycle": other.cycle.name,
                "window": window_text(other.cycle.opens_on, other.cycle.closes_on),
            }
        )
    interview.state = Interview.State.PLANNED
    interview.reason = ""
    interview.starts_at = None
    interview.duration_minutes = None
    _save(interview, ["state", "reason", "starts_at", "duration_minutes"])
    return interview


@transaction.atomic
def interview_mark_held(
    *,
    interview: Interview,
    by: User,
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> Interview:
    interview = _lock(interview, by=by, expected_version=expected_version)
    if not interview_changeable_by(interview, by, action="hold"):
        raise ValidationError(_("Only the interview partner can mark the interview held."))
    if interview.state != Interview.State.SCHEDULED:
        raise ValidationError(_("Only a scheduled interview can be marked held."))
    if interview.starts_at > (now or timezone.now()):
        raise ValidationError(_("The meeting has not started yet; mark it held once it has taken place."))
    interview.state = Interview.State.HELD
    _save(interview, ["state"])
    return interview


# --- prep forms ------------------------------------------------------------------------

PREP_EDITABLE_STATES = (Interview.State.PLANNED, Interview.State.SCHEDULED)


class PrepConflict(Exception):
    """A save based on an older version: somebody (another tab, another device) saved in between."""

    def __init__(self, current: PrepForm):
        super().__init__("stale prep form version")
        self.current = current


def _check_sections(values: dict[str, str]) -> dict[str, str]:
    unknown = set(values) - set(SECTION_KEYS)
    if unknown:
        raise ValidationError(_("Unknown section."))
    problems = text_problems(values)
    if problems:
        raise ValidationError(problems)
    # Line endings from browsers differ; store one kind so that equal texts compare equal.
    return {key: text.replace("\r\n", "\n") for key, text in values.items()}


def prep_save_fast(
    *, interview_id: int, author: User, values: dict[str, str], expected_version: int
) -> int | None:
    """The autosave hot path: one UPDATE that checks authorship, version and state together.

    Returns the new version, or None when nothing was saved; the caller then loads the
    interview (answering 404 to outsiders) and calls prep_save to find out why.
    """
    values = _check_sections(values)
    if expected_version < 1:
        return None
    updated = PrepForm.objects.filter(
        interview_id=interview_id,
        author=author,
        version=expected_version,
        interview__state__in=PREP_EDITABLE_STATES,
        interview__cycle__state=Cycle.State.OPEN,
    ).update(**values, version=F("version") + 1, updated_at=timezone.now())
    if updated:
        # The employee's home page counts the sections answered. The author's role is not
        # known here without a read; a manager's kept home is only read afresh once more.
        homes_renew(author.pk)
    return expected_version + 1 if updated else None


def prep_save(
    *,
    interview: Interview,
    author: User,
    values: dict[str, str],
    expected_version: int,
    prep: PrepForm | None = None,
) -> int:
    """Save sections of the author's own form; returns the new version.

    One conditional UPDATE ... WHERE version = expected: a save based on an older version
    changes nothing and raises PrepConflict with the text that is saved, so the author can
    compare; nothing is silently overwritten. expected_version 0 means "no form yet".
    """
    values = _check_sections(values)
    role = prep_role_of(interview, author)
    if role is None:
        raise ValidationError(_("Only the two parties of an interview prepare for it."))
    if interview.state not in PREP_EDITABLE_STATES or interview.cycle.state != Cycle.State.OPEN:
        raise ValidationError(_("The interview has taken place; the preparation can no longer change."))
    if expected_version == 0:
        try:
            with transaction.atomic():
                PrepForm.objects.create(interview=interview, role=role, author=author, **values)
        except IntegrityError:
            current = PrepForm.objects.get(interview=interview, role=role)
            if current.author_id != author.pk:
                # Another person's form in this role (an earlier partner's): not theirs to read.
                raise ValidationError(
                    _("This interview changed hands; reload the page to prepare afresh.")
                ) from None
            raise PrepConflict(current) from None
        if role == PrepForm.Role.EMPLOYEE:
            homes_renew(author.pk)
        return 1
    updated = PrepForm.objects.filter(
        interview=interview, role=role, author=author, version=expected_version
    ).update(**values, version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        current = PrepForm.objects.filter(interview=interview, role=role, author=author).first()
        if current is None:
            raise ValidationError(_("There is no saved preparation yet; reload the page."))
        if set(values) == set(SECTION_KEYS) and all(
            getattr(current, key) == text for key, text in values.items()
        ):
            # The whole form sent, and saved meanwhile exactly so (the autosave got there
            # first, as when Save is clicked while it runs): no conflict.
            return current.version
        raise PrepConflict(current)
    if role == PrepForm.Role.EMPLOYEE:
        homes_renew(author.pk)
    return expected_version + 1


def prep_empty_sections(*, interview: Interview, author: User) -> list:
    """The sections of the author's saved preparation that hold nothing (all, if none is saved)."""
    role = prep_role_of(interview, author)
    prep = PrepForm.objects.filter(interview=interview, role=role, author=author).first() if role else None
    return [section for section in SECTIONS if not (prep and getattr(prep, section.key).strip())]


@transaction.atomic
def prep_share(*, interview: Interview, author: User) -> PrepForm:
    """Share the author's form with the other party, who is told by email after commit."""
    role = prep_role_of(interview, author)
    if role is None:
        raise ValidationError(_("Only the two parties of an interview prepare for it."))
    prep = PrepForm.objects.select_for_update().filter(interview=interview, role=role, author=author).first()
    if prep is None:
        raise ValidationError(_("Write something before you share your preparation."))
    if prep.state == PrepForm.State.SHARED:
        raise ValidationError(_("Your preparation is shared already; what you change is shown at once."))
    if interview.state not in PREP_EDITABLE_STATES:
        raise ValidationError(_("The interview has taken place; the preparation can no longer change."))
    prep.state = PrepForm.State.SHARED
    prep.shared_at = timezone.now()
    prep.save(update_fields=["state", "shared_at", "updated_at"])
    Interview.objects.filter(pk=interview.pk).update(**{f"{role}_shared": True})
    homes_renew(interview.employee_id, interview.partner_id)
    setattr(interview, f"{role}_shared", True)
    reader = interview.partner if role == PrepForm.Role.EMPLOYEE else interview.employee
    handoff_prep_shared(interview=interview, author=author, reader=reader, role=role, at=prep.shared_at)
    audit("prep_shared", actor=author, obj=prep, detail=f"interview={interview.pk} role={prep.role}")
    return prep


# --- local guidelines ------------------------------------------------------------------


@transaction.atomic
def guideline_save(*, unit, by: User, text: str, extra_prompts: str, expected_version: int) -> LocalGuideline:
    """Save a unit's guidelines; a save based on an older version is refused.

    expected_version 0 means the unit had none.
    """
    guideline = LocalGuideline.objects.select_for_update().filter(unit=unit).first()
    current = guideline.version if guideline else 0
    if current != expected_version:
        raise ValidationError(
            _("Someone else changed these guidelines meanwhile. Reload the page to see their change.")
        )
    if guideline is None:
        guideline = LocalGuideline(unit=unit, version=0)
    guideline.text = text.replace("\r\n", "\n")
    guideline.extra_prompts = extra_prompts.replace("\r\n", "\n")
    guideline.version += 1
    guideline.save()
    generation_renew(GUIDELINES)
    audit("guideline_saved", actor=by, obj=guideline)
    return guideline


# --- HR nudges -------------------------------------------------------------------------


@dataclass(frozen=True)
class NudgeResult:
    sent: int
    already: int


NUDGE_KINDS = ("scheduling", "prep")


@transaction.atomic
def nudge_send(
    *, cycle: Cycle, unit, kind: str, by: User, now: datetime.datetime | None = None
) -> NudgeResult:
    """Send the scheduling or prep reminder now to whoever is behind in a unit (and its sub-units).

    It goes through the reminders' exactly-once machinery with its own occasion, one per
    day: a second click, or a second HR user, the same day reaches nobody twice.
    """
    from interviews.tasks import prep_reminders, scheduling_reminders
    from people.reminders import deliveries_create, deliveries_queue
    from people.selectors import units_visible_to_hr

    if not units_visible_to_hr(by).filter(pk=unit.pk).exists():
        raise ValidationError(_("You can nudge only in units you are HR for."))
    if cycle.state != Cycle.State.OPEN:
        raise ValidationError(_("Reminders go out only while the cycle is open."))
    if kind not in NUDGE_KINDS:
        raise ValidationError(_("Choose whom to remind: managers to book, or people to prepare."))
    now = now or timezone.now()
    interviews = Interview.objects.filter(cycle=cycle, unit__path__startswith=unit.path)
    occasion = f"nudge-{timezone.localdate(now):%Y%m%d}"
    build = scheduling_reminders if kind == "scheduling" else prep_reminders
    reminders = build(now, interviews, nudge=occasion)
    created = deliveries_create(reminders)
    deliveries_queue(created)
    audit("nudge_sent", actor=by, obj=unit, detail=f"cycle={cycle.pk} kind={kind} sent={len(created)}")
    return NudgeResult(sent=len(created), already=len(reminders) - len(created))
