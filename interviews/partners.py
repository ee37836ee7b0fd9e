"""When the organisation changes: interviews follow a new partner, and what was written
with the old one stays with the two who wrote it (PRODUCT.md, confidentiality)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from goals.models import AgreedAction
from interviews.invitations import invitations_send_on_commit
from interviews.models import Cycle, Interview, InterviewRecord, PrepForm
from interviews.records import RECORD_LABEL, previous_follow_up
from people.audit import audit
from people.generations import homes_renew
from people.models import User
from people.selectors import partners_by_employee
from people.tasks import queue_email

# --- following the organisation --------------------------------------------------------


def interviews_follow_partners(*, employee_ids: list[int]) -> int:
    """Move these employees' open, not yet held interviews to their current partner.

    Runs inside the transaction that changed the reporting lines (people sends
    partners_changed), so from the next request the old partner gets "not found" and the
    new one has the interview. A booked meeting is cancelled (both are told, the calendar
    event is removed) and left for the new partner to book. What was written for the talk
    with the old partner does not pass to the new one (PRODUCT.md, confidentiality): the
    old partner's own preparation and any record notes begun with them go, and the
    employee's shared preparation is private again (its leadership section was about the
    old partner) until the employee shares it with the new one. The employee is told who
    holds their interview now. An interview already held, or whose booked meeting has
    begun, stays with the partner who held it, to be recorded and signed. With no new
    partner the interview stays where it is until HR gives the employee one.

    An import may move hundreds at once: what goes with the old partner is removed in a few
    statements for all of them, and only the interviews themselves are saved one by one.
    """
    lines = partners_by_employee(employee_ids)
    now = timezone.now()
    interviews = (
        Interview.objects.select_for_update()
        .filter(
            employee_id__in=employee_ids,
            cycle__state=Cycle.State.OPEN,
            state__in=(Interview.State.PLANNED, Interview.State.SCHEDULED),
        )
        .select_related("employee", "partner", "cycle")
    )
    moving = []
    for interview in interviews:
        line = lines.get(interview.employee_id)
        if line is None or line.partner_id == interview.partner_id or not line.partner.is_active:
            continue
        if interview.state == Interview.State.SCHEDULED and interview.starts_at <= now:
            continue  # they have met: the talk is theirs to record and sign
        moving.append((interview, line.partner))
    if not moving:
        return 0
    ids = [interview.pk for interview, _partner in moving]
    # The new partner prepares afresh; the old partner's form is not theirs to share.
    PrepForm.objects.filter(interview_id__in=ids, role=PrepForm.Role.MANAGER).delete()
    # Notes begun with the old partner (a record is written from the booking on) were the old
    # pair's; a draft is never signed, so nothing agreed is lost.
    drafts = InterviewRecord.objects.filter(interview_id__in=ids, locked_at__isnull=True)
    AgreedAction.objects.filter(source_model=RECORD_LABEL, source_id__in=drafts.values("pk")).delete()
    drafts.delete()
    shared = PrepForm.objects.filter(
        interview_id__in=ids, role=PrepForm.Role.EMPLOYEE, state=PrepForm.State.SHARED
    )
    unshared = set(shared.values_list("interview_id", flat=True))
    shared.update(state=PrepForm.State.DRAFT, shared_at=None)
    touched = set()  # whose home pages change: each employee, old and new partner
    for interview, partner in moving:
        fields = ["partner", "manager_shared", "employee_shared", "version", "updated_at"]
        # What the employee showed the old partner is not shown to the new one, nor to the old
        # one again should they come back: the employee chooses afresh.
        interview.history_shared_with = interview.history_shared_talk = None
        fields += ["history_shared_with", "history_shared_talk"]
        if interview.state == Interview.State.SCHEDULED:
            interview.ics_sequence += 1
            invitations_send_on_commit(interview, kind="cancelled")
            interview.state = Interview.State.PLANNED
            interview.starts_at = interview.duration_minutes = None
            fields += ["ics_sequence", "state", "starts_at", "duration_minutes"]
        # The place and the note to the employee were the old partner's; the new one books anew.
        interview.place = interview.note = ""
        fields += ["place", "note"]
        interview.manager_shared = interview.employee_shared = False
        old_partner = interview.partner_id
        interview.partner = partner
        interview.version += 1
        interview.save(update_fields=fields)
        touched |= {interview.employee_id, old_partner, partner.pk}
        audit("interview_partner_changed", obj=interview, detail=f"from={old_partner} to={partner.pk}")
        _tell_new_partner(interview, prep_private_again=interview.pk in unshared)
    homes_renew(*touched)
    return len(moving)


def interviews_follow_partners_preview(*, moves: dict[int, int | None]) -> list[dict]:
    """The open interviews interviews_follow_partners would move if these employees' partners
    changed as given ({employee id: new partner id, 0 for a person not created yet, None for
    none}), each with the booked meeting that would be cancelled. Reads, never writes; the
    same rules: an interview held, or whose meeting has begun, stays; with no (active) new
    partner it stays where it is."""
    movable = {employee: partner for employee, partner in moves.items() if partner is not None}
    if not movable:
        return []
    now = timezone.now()
    inactive = set(
        User.objects.filter(pk__in={p for p in movable.values() if p}, is_active=False).values_list(
            "pk", flat=True
        )
    )
    interviews = (
        Interview.objects.filter(
            employee_id__in=list(movable),
            cycle__state=Cycle.State.OPEN,
            state__in=(Interview.State.PLANNED, Interview.State.SCHEDULED),
        )
        .select_related("employee", "partner", "cycle")
        .order_by("employee__family_name", "employee__given_name", "pk")
    )
    rows = []
    for interview in interviews:
        partner = movable[interview.employee_id]
        if partner == interview.partner_id or partner in inactive:
            continue
        booked = interview.state == Interview.State.SCHEDULED
        if booked and interview.starts_at <= now:
            continue  # they have met: the talk stays theirs
        rows.append(_preview_row(interview, cancelled=booked))
    return rows


def _preview_row(interview: Interview, *, cancelled: bool) -> dict:
    """One talk as the import's preview names it (people/signals.py says the keys);
    cancelled: its booked meeting is cancelled, so the row carries the meeting's start."""
    return {
        "employee_id": interview.employee_id,
        "name": interview.employee.get_full_name(),
        "cycle": interview.cycle.name,
        "old": str(interview.partner),
        "old_partner_id": interview.partner_id,
        "starts_at": interview.starts_at.isoformat() if cancelled else "",
    }


def _leavers_talks(employee_ids: list[int]):
    """The unfinished talks in open cycles that people who leave take part in, either side."""
    return (
        Interview.objects.filter(
            Q(employee_id__in=employee_ids) | Q(partner_id__in=employee_ids),
            cycle__state=Cycle.State.OPEN,
            state__in=Interview.UNFINISHED,
        )
        .select_related("employee", "partner", "cycle")
        .order_by("employee__family_name", "employee__given_name", "pk")
    )


def _ends(interview: Interview, leaving: set[int], now) -> bool:
    """Whether a leaver's talk ends (excused): theirs as the employee, and not held or begun.
    A talk held, or whose meeting has begun, stays, to be recorded and signed or cancelled by
    HR; one whose partner leaves moves to the employee's new partner (the import's lines)."""
    if interview.employee_id not in leaving:
        return False
    if interview.state == Interview.State.PLANNED:
        return True
    return interview.state == Interview.State.SCHEDULED and interview.starts_at > now


def interviews_end_for_leavers_preview(*, employee_ids: list[int]) -> list[dict]:
    """What interviews_end_for_leavers would do: rows as the import shows them, each with
    "ends" (excused) or not (it stays: held or begun)."""
    leaving, now = set(employee_ids), timezone.now()
    rows = []
    for interview in _leavers_talks(employee_ids):
        ends = _ends(interview, leaving, now)
        begun = interview.state == Interview.State.HELD or (
            interview.state == Interview.State.SCHEDULED and interview.starts_at <= now
        )
        if not ends and not begun:
            continue  # the partner leaves before the talk: it moves with the lines
        cancelled = ends and interview.state == Interview.State.SCHEDULED
        rows.append({**_preview_row(interview, cancelled=cancelled), "ends": ends})
    return rows


def interviews_end_for_leavers(*, employee_ids: list[int]) -> int:
    """These people left the organisation (an import of the whole of it): their open
    interviews end as excused, with the reason said in the organisation's language, and a
    booked meeting's calendar event is cancelled for both. Runs inside the import's
    transaction (people sends people_left). A talk held, or whose meeting has begun, stays,
    to be recorded and signed or cancelled by HR (the preview lists it)."""
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(_("Left the organisation"))
    ended = 0
    touched = set()
    leaving, now = set(employee_ids), timezone.now()
    for interview in _leavers_talks(employee_ids).select_for_update(of=("self",)):
        if not _ends(interview, leaving, now):
            continue
        fields = ["state", "reason", "version", "updated_at"]
        if interview.state == Interview.State.SCHEDULED:
            interview.ics_sequence += 1
            fields.append("ics_sequence")
            invitations_send_on_commit(interview, kind="cancelled")
        interview.state = Interview.State.EXCUSED
        interview.reason = reason
        interview.version += 1
        interview.save(update_fields=fields)
        audit("interview_excused", obj=interview, detail="left the organisation")
        touched |= {interview.employee_id, interview.partner_id}
        ended += 1
    homes_renew(*touched)
    return ended


def _tell_on_commit(person: User, interview: Interview, subject, body) -> None:
    """Email a person about an interview, in their language, once the change is committed.

    subject and body are functions of the interview's link, called in that language: what
    they say is what needs doing, never what was written for the talk.
    """
    with translation.override(person.language or settings.LANGUAGE_CODE):
        url = settings.SITE_URL.rstrip("/") + reverse("interviews:interview_detail", args=[interview.pk])
        message = {"subject": subject(), "body": body(url), "to": [person.email], "language": person.language}
    transaction.on_commit(lambda: queue_email(**message))


def _tell_new_partner(interview: Interview, *, prep_private_again: bool) -> None:
    """The employee hears who now holds their interview, whatever moved it (HR, an import,
    the admin): nobody becomes their partner unnoticed."""
    names = {"partner": interview.partner, "cycle": interview.cycle}

    def body(url: str) -> str:
        lines = [_("%(partner)s now holds your performance assessment interview in %(cycle)s.") % names]
        if prep_private_again:
            lines.append(
                _(
                    "Your preparation is private again: read it through and share it with %(partner)s "
                    "when you are ready."
                )
                % names
            )
        return " ".join(lines) + f"\n\n{url}\n"

    _tell_on_commit(
        interview.employee,
        interview,
        lambda: _("Your interview partner is now %(partner)s") % names,
        body,
    )


# --- earlier talks ---------------------------------------------------------------------


@transaction.atomic
def history_share(*, interview: Interview, by: User, share: bool) -> Interview:
    """The employee shows (or stops showing) their previous talk, held with another partner,
    to the partner of this interview: its conclusions and its actions with their status.

    Only the employee decides: the talk was theirs and the old partner's, and the new
    partner was in neither. The choice is for this partner only.
    """
    interview = (
        Interview.objects.select_for_update()
        .select_related("cycle", "employee", "partner")
        .get(pk=interview.pk)
    )
    if by.pk != interview.employee_id:
        raise ValidationError(_("Only the employee chooses who may read their earlier talks."))
    if interview.state not in Interview.UNFINISHED:
        raise ValidationError(_("This interview is finished; its follow-up can no longer change."))
    previous = previous_follow_up(interview, fresh=True)
    if previous is None or previous.partner_id == interview.partner_id:
        raise ValidationError(_("There is no earlier talk with another partner to show."))
    wanted = (interview.partner_id, previous.interview_id) if share else (None, None)
    if (interview.history_shared_with_id, interview.history_shared_talk_id) == wanted:
        raise ValidationError(
            _("Your earlier talk is shown already.") if share else _("Your earlier talk is not shown.")
        )
    interview.history_shared_with_id, interview.history_shared_talk_id = wanted
    interview.version += 1
    interview.save(update_fields=["history_shared_with", "history_shared_talk", "version", "updated_at"])
    audit("history_shared" if share else "history_withdrawn", actor=by, obj=interview)
    if share:
        _tell_history_shown(interview)
    return interview


def _tell_history_shown(interview: Interview) -> None:
    _tell_on_commit(
        interview.partner,
        interview,
        lambda: _("%(employee)s has shown you their previous interview") % {"employee": interview.employee},
        lambda url: (
            _(
                "%(employee)s has chosen to show you the conclusions and agreed actions of their previous "
                "performance assessment interview, held with another partner. Read them under "
                '"Follow-up of the previous interview" before you meet:\n\n%(url)s\n'
            )
            % {"employee": interview.employee, "url": url}
        ),
    )
