"""Writes for the interview record: agreed notes, goals, actions, two signatures and the lock."""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from goals.models import AgreedAction, UnitGoal
from interviews.handoffs import handoff_correction_opened, handoff_employee_signed, handoff_manager_signed
from interviews.models import Cycle, Interview, InterviewRecord, LocalGuideline, RecordGoal, SignMethod
from interviews.sections import SECTION_KEYS, SECTIONS, text_problems
from people.audit import audit
from people.generations import generation_renew, homes_renew, kept
from people.models import User
from people.sso.common import password_login_allowed

RECORD_LABEL = "interviews.InterviewRecord"
RECORD_TEXT_FIELDS = (*SECTION_KEYS, "conclusions")
CYCLE_PERIOD_DAYS = {
    Cycle.Frequency.YEARLY: 366,
    Cycle.Frequency.HALF_YEARLY: 184,
    Cycle.Frequency.QUARTERLY: 92,
}


def record_field_titles() -> list[tuple[str, str]]:
    """Each text of the record with its heading, in the page's order."""
    return [(section.key, f"{section.number}. {section.title}") for section in SECTIONS] + [
        ("conclusions", _("Conclusions"))
    ]


# --- reads -----------------------------------------------------------------------------


def record_versions(interview: Interview) -> list[InterviewRecord]:
    """Every version of the record, oldest first, for the record page.

    Without the signed copy of each version's content (every text again, as JSON): the page
    shows the texts from their own columns and the copy's hash.
    """
    return list(InterviewRecord.objects.filter(interview=interview).defer("content").order_by("number"))


def record_actions(record: InterviewRecord):
    return AgreedAction.objects.filter(source_model=RECORD_LABEL, source_id=record.pk).select_related("owner")


def record_actions_of(record_ids: list[int], interview: Interview) -> dict[int, list[AgreedAction]]:
    """The actions of these records of one employee's talks, by record, each with its owner.

    One query for all of them (the record page shows its own actions and the previous
    talk's). Owners who are one of the interview's two parties (loaded with it) are taken
    from it; only other people are read: joining every action's owner cost a page 0.4 ms.
    """
    actions = list(AgreedAction.objects.filter(source_model=RECORD_LABEL, source_id__in=record_ids))
    people = {person.pk: person for person in (interview.employee, interview.partner)}
    others = {action.owner_id for action in actions} - people.keys()
    if others:
        people.update((person.pk, person) for person in User.objects.filter(pk__in=others))
    by_record: dict[int, list[AgreedAction]] = {record_id: [] for record_id in record_ids}
    for action in actions:
        action.owner = people[action.owner_id]
        by_record[action.source_id].append(action)
    return by_record


def record_writable_by(interview: Interview, user: User) -> bool:
    """The manager writes the record; the employee too where their unit allows it."""
    if user.pk == interview.partner_id:
        return True
    if user.pk != interview.employee_id:
        return False
    return LocalGuideline.objects.filter(
        unit_id__in=interview.unit.ancestor_ids(), employee_writes_record=True
    ).exists()


def canonical_json(data: dict) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_of(data: dict) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def record_content(record: InterviewRecord) -> dict:
    """What both sign: the facts of the meeting and everything agreed, as plain JSON values."""
    interview = record.interview
    return {
        "record": {"interview": interview.pk, "version": record.number},
        "employee": {"name": str(interview.employee), "number": interview.employee.employee_number},
        "manager": {"name": str(interview.partner), "number": interview.partner.employee_number},
        "unit": interview.unit.name,
        "cycle": interview.cycle.name,
        "meeting": {
            "starts_at": interview.starts_at.isoformat() if interview.starts_at else None,
            "minutes": interview.duration_minutes,
        },
        "sections": {key: getattr(record, key) for key in SECTION_KEYS},
        "conclusions": record.conclusions,
        "goals": [
            {
                "text": goal.text,
                "deadline": goal.deadline.isoformat(),
                "unit_goal": goal.unit_goal.title if goal.unit_goal else None,
            }
            for goal in record.goals.select_related("unit_goal")
        ],
        "actions": [
            {
                "owner": str(action.owner),
                "owner_kind": action.owner_kind,
                "what": action.what,
                "due_on": action.due_on.isoformat(),
                "standard": action.standard,
            }
            for action in record_actions(record)
        ],
    }


# --- writing ---------------------------------------------------------------------------


def _draft(interview: Interview, *, by: User, create: bool) -> InterviewRecord:
    """The version being written, locked for this transaction (created if asked and none exists)."""
    if not record_writable_by(interview, by):
        raise ValidationError(_("Only the interview partner writes the record here."))
    if interview.state not in (Interview.State.SCHEDULED, Interview.State.HELD, Interview.State.SIGNED):
        raise ValidationError(_("The record is written once the meeting is booked."))
    draft = (
        InterviewRecord.objects.select_for_update()
        .filter(interview=interview, locked_at__isnull=True)
        .first()
    )
    if draft is None:
        if InterviewRecord.objects.filter(interview=interview).exists():
            raise ValidationError(_("The record is signed. Open a correction to change it."))
        if not create:
            raise ValidationError(_("Write the record first."))
        draft = InterviewRecord.objects.create(interview=interview)
    return draft


def _unsign(draft: InterviewRecord) -> None:
    """An action or a goal changed: the manager's signature (on the whole content) is cleared,
    and the texts' version stays as it is, so that a page's next autosave of its texts is not
    refused for a change it did not make to them (nor given a version that covers text it
    never showed)."""
    if draft.manager_signed_at is not None:
        draft.manager_signed_at = None
        draft.manager_signed_hash = ""
        draft.save(update_fields=["manager_signed_at", "manager_signed_hash", "updated_at"])
        _homes_renew(draft)
    else:
        draft.save(update_fields=["updated_at"])


def _touch(draft: InterviewRecord, fields: list[str]) -> bool:
    """Save a change; a change after the manager signed clears that signature (they sign again)."""
    cleared = draft.manager_signed_at is not None
    if cleared:
        draft.manager_signed_at = None
        draft.manager_signed_hash = ""
        fields = [*fields, "manager_signed_at", "manager_signed_hash"]
    draft.edit_version = F("edit_version") + 1
    draft.save(update_fields=[*fields, "edit_version", "updated_at"])
    draft.refresh_from_db(fields=["edit_version"])
    if cleared:
        _homes_renew(draft)
    return cleared


def _homes_renew(draft: InterviewRecord) -> None:
    """A signature given or cleared: both parties' to-do lists change."""
    interview = Interview.objects.only("employee_id", "partner_id").get(pk=draft.interview_id)
    homes_renew(interview.employee_id, interview.partner_id)


class RecordConflict(ValidationError):
    """A save based on an older version of the record: it carries the text saved meanwhile,
    so that the page can show it beside what the person typed (nothing is overwritten)."""

    def __init__(self, message: str, *, current: InterviewRecord):
        super().__init__(message)
        self.current = current


@transaction.atomic
def record_save(
    *, interview: Interview, by: User, values: dict[str, str], expected_version: int
) -> tuple[InterviewRecord, bool]:
    """Save the agreed notes; returns (record, whether the manager's signature was cleared).

    A save based on an older version is refused (another tab, the other party).
    """
    unknown = set(values) - set(RECORD_TEXT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown section."))
    problems = text_problems(values)
    if problems:
        raise ValidationError(problems)
    draft = _draft(interview, by=by, create=expected_version == 0)
    if expected_version and draft.edit_version != expected_version:
        if set(values) == set(RECORD_TEXT_FIELDS) and all(
            getattr(draft, key) == text.replace("\r\n", "\n") for key, text in values.items()
        ):
            # The whole record sent, and saved meanwhile exactly so (the autosave got there
            # first, as when Save is clicked while it runs): nothing to refuse or to write.
            return draft, False
        raise RecordConflict(
            _(
                "The record was changed meanwhile (by %(other)s or in another window). Reload the page to see it."
            )
            % {"other": interview.employee if by.pk == interview.partner_id else interview.partner},
            current=draft,
        )
    if expected_version == 0 and draft.edit_version != 1:
        raise RecordConflict(_("The record was started meanwhile. Reload the page to see it."), current=draft)
    changed = [key for key, text in values.items() if getattr(draft, key) != text.replace("\r\n", "\n")]
    if not changed:
        return draft, False
    for key in changed:
        setattr(draft, key, values[key].replace("\r\n", "\n"))
    return draft, _touch(draft, changed)


def _check_due(interview: Interview, due: datetime.date, *, field: str) -> None:
    today = timezone.localdate()
    if due <= today:
        raise ValidationError({field: [_("The date must lie in the future.")]})
    latest = today + datetime.timedelta(days=CYCLE_PERIOD_DAYS[interview.cycle.frequency])
    if due > latest:
        raise ValidationError(
            {
                field: [
                    _(
                        "Choose a date within one cycle period, by %(date)s, so that the next interview can review it."
                    )
                    % {"date": date_format(latest)}
                ]
            }
        )


@transaction.atomic
def action_add(
    *,
    interview: Interview,
    by: User,
    owner_kind: str,
    what: str,
    due_on: datetime.date,
    standard: str,
    other: User | None = None,
) -> AgreedAction:
    draft = _draft(interview, by=by, create=True)
    _check_due(interview, due_on, field="due_on")
    if not what.strip():
        raise ValidationError({"what": [_("Say what is to be done.")]})
    if not standard.strip():
        raise ValidationError({"standard": [_("Say how you will both know it is done.")]})
    owners = {
        AgreedAction.OwnerKind.EMPLOYEE: interview.employee,
        AgreedAction.OwnerKind.MANAGER: interview.partner,
        AgreedAction.OwnerKind.OTHER: other,
    }
    owner = owners.get(owner_kind)
    if owner is None:
        raise ValidationError({"other": [_("Name the person who will do it.")]})
    position = record_actions(draft).count()
    action = AgreedAction.objects.create(
        source_model=RECORD_LABEL,
        source_id=draft.pk,
        employee=interview.employee,
        partner=interview.partner,
        owner_kind=owner_kind,
        owner=owner,
        what=what.strip(),
        due_on=due_on,
        standard=standard.strip(),
        position=position,
    )
    _unsign(draft)
    return action


@transaction.atomic
def action_remove(*, interview: Interview, by: User, action_id: int) -> None:
    draft = _draft(interview, by=by, create=False)
    deleted, _rows = AgreedAction.objects.filter(
        source_model=RECORD_LABEL, source_id=draft.pk, pk=action_id
    ).delete()
    if deleted:
        _unsign(draft)


@transaction.atomic
def goal_add(
    *, interview: Interview, by: User, text: str, deadline: datetime.date, unit_goal: UnitGoal | None = None
) -> RecordGoal:
    draft = _draft(interview, by=by, create=True)
    _check_due(interview, deadline, field="deadline")
    if not text.strip():
        raise ValidationError({"text": [_("Write the goal.")]})
    goal = RecordGoal.objects.create(
        record=draft, text=text.strip(), deadline=deadline, unit_goal=unit_goal, position=draft.goals.count()
    )
    _unsign(draft)
    return goal


@transaction.atomic
def goal_remove(*, interview: Interview, by: User, goal_id: int) -> None:
    draft = _draft(interview, by=by, create=False)
    deleted, _rows = RecordGoal.objects.filter(record=draft, pk=goal_id).delete()
    if deleted:
        _unsign(draft)


# --- signing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SignerProof:
    """How a signer proved who they were just before signing: "password" (checked here), or
    a fresh sign-in at the identity provider ("oidc" or "saml", its name, and when it says
    they authenticated), which the view took from the session (people/sso/common.py)."""

    method: str
    provider: str = ""
    authenticated_at: datetime.datetime | None = None
    user_id: int | None = None


def record_sign(
    *,
    interview: Interview,
    by: User,
    password: str | None = None,
    reauth: SignerProof | None = None,
    comment: str = "",
    disagrees: bool = False,
) -> InterviewRecord:
    """Sign the record: the manager first, then the employee, who may add a comment and say
    that they disagree with part of it.

    A signature needs a fresh authentication: the signer's password, or (in a single sign-on
    session) a re-authentication at the provider within SIGN_REAUTH_MINUTES; how and when is
    kept with the signature and printed in the summary.

    The row lock makes two simultaneous clicks give one signature. The second signature
    freezes the content, stores its hash, renders the PDF once and locks the record. Each
    signature tells the other party (interviews/handoffs.py).
    """
    if reauth is not None:
        too_old = timezone.now() - datetime.timedelta(minutes=settings.SIGN_REAUTH_MINUTES)
        if reauth.user_id != by.pk or reauth.authenticated_at is None or reauth.authenticated_at < too_old:
            raise ValidationError(
                _("Confirm who you are at %(provider)s again: it is more than %(minutes)d minutes ago.")
                % {"provider": reauth.provider, "minutes": settings.SIGN_REAUTH_MINUTES}
            )
        proof = reauth
    else:
        if not password_login_allowed(by):
            raise ValidationError(_("Sign in at your organisation's identity provider to sign."))
        if not password:
            raise ValidationError({"password": [_("Type your password to sign.")]})
        if not by.check_password(password):
            raise ValidationError({"password": [_("That is not your password. Type it again to sign.")]})
        proof = SignerProof(method=SignMethod.PASSWORD, authenticated_at=timezone.now(), user_id=by.pk)
    return _record_sign(interview=interview, by=by, proof=proof, comment=comment, disagrees=disagrees)


def _proof_content(proof: SignerProof | None) -> dict:
    if proof is None or not proof.method:
        return {}
    confirmed = {"method": proof.method}
    if proof.provider:
        confirmed["provider"] = proof.provider
    if proof.authenticated_at:
        confirmed["at"] = proof.authenticated_at.isoformat()
    return {"confirmed": confirmed}


@transaction.atomic
def _record_sign(
    *,
    interview: Interview,
    by: User,
    proof: SignerProof | None,
    comment: str = "",
    disagrees: bool = False,
    now: datetime.datetime | None = None,
    tell: bool = True,
) -> InterviewRecord:
    """record_sign itself, once the signer's proof is checked. Only the demo data calls it
    directly (no proof, a past `now`, tell False): it signs for demo people who have no
    password, at the dates a past cycle had, and sends nobody a message about a talk that was
    over long ago."""
    interview = (
        Interview.objects.select_for_update()
        .select_related("cycle", "employee", "partner", "unit")
        .get(pk=interview.pk)
    )
    draft = (
        InterviewRecord.objects.select_for_update()
        .filter(interview=interview, locked_at__isnull=True)
        .first()
    )
    if draft is None:
        raise ValidationError(_("There is no record to sign."))
    if interview.state not in (Interview.State.HELD, Interview.State.SIGNED):
        raise ValidationError(_("Mark the interview held before signing the record."))
    now = now or timezone.now()
    proof_fields = {
        "sign_method": proof.method if proof else "",
        "sign_provider": proof.provider if proof else "",
        "authenticated_at": proof.authenticated_at if proof else None,
    }
    if by.pk == interview.partner_id:
        if draft.manager_signed_at:
            raise ValidationError(_("You have signed this version already."))
        draft.manager_signed_at = now
        draft.manager_signed_hash = sha256_of(record_content(draft))
        for name, value in proof_fields.items():
            setattr(draft, f"manager_{name}", value)
        draft.save(
            update_fields=[
                "manager_signed_at",
                "manager_signed_hash",
                *(f"manager_{name}" for name in proof_fields),
                "updated_at",
            ]
        )
        homes_renew(interview.employee_id, interview.partner_id)
        audit("record_signed_by_manager", actor=by, obj=draft, detail=f"interview={interview.pk}")
        if tell:
            handoff_manager_signed(interview=interview, record=draft)
        return draft
    if by.pk != interview.employee_id:
        raise ValidationError(_("Only the two parties sign the record."))
    if draft.employee_signed_at:
        raise ValidationError(_("You have signed this version already."))
    if not draft.manager_signed_at:
        raise ValidationError(
            _("%(manager)s signs first; then you read and sign.") % {"manager": interview.partner}
        )
    content = record_content(draft)
    if sha256_of(content) != draft.manager_signed_hash:
        raise ValidationError(_("The record changed after the manager signed; they must sign again."))
    if problems := text_problems({"comment": comment}):
        raise ValidationError(problems)
    draft.employee_comment = comment.replace("\r\n", "\n").strip()
    if disagrees and not draft.employee_comment:
        raise ValidationError(
            {"comment": [_("Say in the comment what you disagree with; it becomes part of the summary.")]}
        )
    draft.employee_disagrees = disagrees
    draft.employee_signed_at = now
    for name, value in proof_fields.items():
        setattr(draft, f"employee_{name}", value)
    content["employee_comment"] = draft.employee_comment
    if disagrees:
        # Only where it is said: the content of records signed without it stays as it was.
        content["employee_disagrees"] = True
    manager_proof = SignerProof(
        method=draft.manager_sign_method,
        provider=draft.manager_sign_provider,
        authenticated_at=draft.manager_authenticated_at,
    )
    # How each signer proved who they were goes into the signed content (and so its hash);
    # versions signed before this was kept have no "confirmed" and keep their hashes.
    content["signatures"] = {
        "manager": {
            "at": draft.manager_signed_at.isoformat(),
            "hash": draft.manager_signed_hash,
            **_proof_content(manager_proof),
        },
        "employee": {"at": now.isoformat(), **_proof_content(proof)},
    }
    draft.content = content
    draft.content_hash = draft.employee_signed_hash = sha256_of(content)
    draft.locked_at = now

    # Imported here, not at the top: WeasyPrint loads Pango, and only signing needs it.
    from interviews.pdf import render_summary_pdf

    employee_language = interview.employee.language or settings.LANGUAGE_CODE
    partner_language = interview.partner.language or settings.LANGUAGE_CODE
    with translation.override(employee_language):
        pdf = render_summary_pdf(draft)
    draft.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    # Saving the files and the lock together: the record is never locked without its PDF.
    draft.pdf.save(f"{interview.ics_uid}-v{draft.number}.pdf", ContentFile(pdf), save=False)
    if partner_language != employee_language:
        with translation.override(partner_language):
            pdf = render_summary_pdf(draft)
        draft.pdf_partner_sha256 = hashlib.sha256(pdf).hexdigest()
        name = f"{interview.ics_uid}-v{draft.number}-{partner_language}.pdf"
        draft.pdf_partner.save(name, ContentFile(pdf), save=False)
    draft.save()
    interview.state = Interview.State.SIGNED
    interview.version += 1
    interview.save(update_fields=["state", "version", "updated_at"])
    homes_renew(interview.employee_id, interview.partner_id)
    audit("record_signed_by_employee", actor=by, obj=draft, detail=f"interview={interview.pk} locked")
    if tell:
        handoff_employee_signed(interview=interview, record=draft)
    follow_ups_forget(interview.employee_id)
    # This talk followed up the previous one: its actions are reviewed, and their reminders end.
    # Not where the previous talk was with another partner and not shown to this one: this
    # talk could not review what its partner never saw.
    previous, previous_actions = previous_signed_record(interview, fresh=True)
    if previous_actions and follow_up_open_to(previous, interview, interview.partner):
        AgreedAction.objects.filter(pk__in=[a.pk for a in previous_actions], reviewed_at__isnull=True).update(
            reviewed_at=now
        )
    return draft


@transaction.atomic
def record_correct(*, interview: Interview, by: User) -> InterviewRecord:
    """Open a new version copied from the last signed one; both sign it again."""
    if by.pk != interview.partner_id:
        raise ValidationError(_("The interview partner opens a correction."))
    versions = list(
        InterviewRecord.objects.select_for_update().filter(interview=interview).order_by("number")
    )
    if not versions or not versions[-1].is_locked:
        raise ValidationError(
            _("A correction is opened from a signed record; this one is still being written.")
        )
    signed = versions[-1]
    draft = InterviewRecord.objects.create(
        interview=interview,
        number=signed.number + 1,
        **{key: getattr(signed, key) for key in RECORD_TEXT_FIELDS},
    )
    RecordGoal.objects.bulk_create(
        [
            RecordGoal(
                record=draft,
                text=g.text,
                deadline=g.deadline,
                unit_goal_id=g.unit_goal_id,
                position=g.position,
            )
            for g in signed.goals.all()
        ]
    )
    # The actions are one set that lives on: they follow the version being agreed. The signed
    # version keeps its frozen copy of them in its content.
    AgreedAction.objects.filter(source_model=RECORD_LABEL, source_id=signed.pk).update(source_id=draft.pk)
    follow_ups_forget(interview.employee_id)  # the next talk follows the actions to the new version
    homes_renew(interview.employee_id, interview.partner_id)
    audit(
        "record_correction_opened",
        actor=by,
        obj=draft,
        detail=f"interview={interview.pk} from=v{signed.number}",
    )
    handoff_correction_opened(interview=interview, record=draft, previous=signed.number)
    return draft


def record_verify(
    interview: Interview, *, pdf: bytes | None = None, hash_text: str = ""
) -> InterviewRecord | None:
    """The signed version this PDF file or hash belongs to, if any, after re-checking its content."""
    wanted_pdf = hashlib.sha256(pdf).hexdigest() if pdf is not None else None
    wanted_hash = hash_text.strip().lower()
    for record in InterviewRecord.objects.filter(interview=interview, locked_at__isnull=False):
        # The stored hash must still be the hash of the stored content: tampering shows here.
        if sha256_of(record.content) != record.content_hash:
            continue
        pdf_hashes = {h for h in (record.pdf_sha256, record.pdf_partner_sha256) if h}
        if wanted_pdf and wanted_pdf in pdf_hashes:
            return record
        if wanted_hash and wanted_hash in {record.content_hash, *pdf_hashes}:
            return record
    return None


@dataclass(frozen=True)
class FollowUp:
    """What the next talk follows up of an earlier one: its last signed version's
    conclusions, the cycle it was in, who held it, and the newest version (whose actions
    live on)."""

    interview_id: int
    record_id: int
    number: int
    cycle_name: str
    concluded: str
    newest_record_id: int
    partner_id: int
    opens_on: datetime.date


def follow_up_open_to(follow_up: FollowUp, interview: Interview, user: User) -> bool:
    """Whether a party of `interview` may read the earlier talk it follows up.

    A talk's content belongs to the two who had it: the employee always (it was theirs),
    the partner if they held that talk too, or if the employee chose to show that very talk
    to this very partner (Interview.history_shared_with and history_shared_talk, which a
    change of partner clears).
    """
    if user.pk == interview.employee_id or user.pk == follow_up.partner_id:
        return True
    return (
        user.pk == interview.partner_id == interview.history_shared_with_id
        and interview.history_shared_talk_id == follow_up.interview_id
    )


def _history_generation(employee_id: int) -> str:
    return f"signed-history:{employee_id}"


def follow_ups_forget(employee_id: int) -> None:
    """The employee's signed history changed (a record locked, a correction opened)."""
    generation_renew(_history_generation(employee_id))


def _signed_history(employee_id: int, *, fresh: bool = False) -> list[FollowUp]:
    """The employee's signed interviews, the latest cycle first: one query, then kept.

    The prep page and the record page show the previous talk's follow-up on every view, and
    the record page is loaded again after each note, action or goal added during the talk;
    finding that talk cost two thirds of the follow-up's reads (a sort over the employee's
    records with their cycles). Kept until one of their records locks or a correction
    opens; a renamed cycle shows within READ_CACHE_SECONDS.
    """
    if fresh:
        return _read_signed_history(employee_id)
    return kept(
        f"signed-history:v3:{employee_id}",
        [_history_generation(employee_id)],
        lambda: _read_signed_history(employee_id),
    )


def _read_signed_history(employee_id: int) -> list[FollowUp]:
    versions = (
        InterviewRecord.objects.filter(interview__employee_id=employee_id)
        .annotate(concluded=KeyTextTransform("conclusions", "content"))
        .values(
            "pk",
            "interview_id",
            "number",
            "locked_at",
            "concluded",
            "interview__cycle__name",
            "interview__cycle__opens_on",
            "interview__partner_id",
        )
        .order_by("interview_id", "-number")
    )
    by_interview: dict[int, list[dict]] = {}
    for version in versions:
        by_interview.setdefault(version["interview_id"], []).append(version)
    signed = []
    for interview_id, newest_first in by_interview.items():
        record = next((v for v in newest_first if v["locked_at"] is not None), None)
        if record is not None:
            follow_up = FollowUp(
                interview_id=interview_id,
                record_id=record["pk"],
                number=record["number"],
                cycle_name=record["interview__cycle__name"],
                concluded=record["concluded"] or "",
                newest_record_id=newest_first[0]["pk"],
                partner_id=record["interview__partner_id"],
                opens_on=record["interview__cycle__opens_on"],
            )
            signed.append((record["interview__cycle__opens_on"], record["number"], interview_id, follow_up))
    return [entry[-1] for entry in sorted(signed, reverse=True)]


def previous_follow_up(interview: Interview, *, fresh: bool = False) -> FollowUp | None:
    """The employee's last signed record from an interview of an earlier cycle (fresh: not
    from the cache, for a write that depends on it).

    Earlier, not merely other: a talk held after this one (a later cycle) is never its
    follow-up, so a partner of an old talk never reads, or learns of, the later ones.
    """
    history = _signed_history(interview.employee_id, fresh=fresh)
    opens_on = interview.cycle.opens_on
    return next((h for h in history if h.interview_id != interview.pk and h.opens_on < opens_on), None)


def previous_signed_record(
    interview: Interview, *, fresh: bool = False
) -> tuple[FollowUp | None, list[AgreedAction]]:
    """The employee's last signed record from an earlier interview, with its actions as they stand now.

    The actions are read afresh each time: their owners update them between the talks.
    They follow the newest version of that record (a correction moves them along).
    """
    follow_up = previous_follow_up(interview, fresh=fresh)
    if follow_up is None:
        return None, []
    return follow_up, record_actions_of([follow_up.newest_record_id], interview)[follow_up.newest_record_id]


def previous_for(interview: Interview, user: User) -> tuple[FollowUp | None, FollowUp | None]:
    """(the previous talk, None) where `user` may read it (follow_up_open_to); (None, the talk)
    where it exists but is not theirs to read, and the page says only that there is one."""
    follow_up = previous_follow_up(interview)
    if follow_up is not None and not follow_up_open_to(follow_up, interview, user):
        return None, follow_up
    return follow_up, None
