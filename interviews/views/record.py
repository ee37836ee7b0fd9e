"""The interview record: write it (saved as one types), sign, correct, download and verify.

The page's parts that change in place (the agreed actions, the goals, the signing) are
fragments, templates/interviews/_record_*.html: the whole page includes them, and an htmx
request gets back just the part it changed, with the record's new version and the signing
part as out-of-band swaps, so that nothing typed elsewhere on the page is reloaded. Without
JavaScript the same forms post and the page comes back whole.
"""

import datetime

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from goals.selectors import UNIT_GOALS, goals_for_unit
from interviews import records
from interviews.forms import (
    ActionForm,
    RecordGoalForm,
    SignForm,
    SsoSignForm,
    VerifyForm,
)
from interviews.models import Interview, InterviewRecord
from interviews.sections import SECTIONS
from interviews.selectors import (
    prep_forms_for,
    prep_role_of,
    record_pdf_readable_by,
)
from interviews.views.common import _add_errors, _int, _interview, _party_interview
from interviews.views.prep import SAVED_HEADER
from people.audit import audit
from people.generations import kept
from people.sso import common as sso
from people.sso.views import reauth_url

# --- the interview record --------------------------------------------------------------

SIGNABLE_STATES = (Interview.State.HELD, Interview.State.SIGNED)


def record_page(request, pk):
    """The record for the two parties: write it (beside both prep forms), sign it, read old versions."""
    return _record_page(request, _party_interview(request, pk))


def _record_context(
    request,
    interview: Interview,
    *,
    mine=None,
    conflict=None,
    action_form=None,
    goal_form=None,
    sign_form=None,
) -> dict:
    versions = records.record_versions(interview)
    current = versions[-1] if versions else None
    draft = current if current and not current.is_locked else None
    own, other = prep_forms_for(interview, request.user)
    role = prep_role_of(interview, request.user)
    employee_prep = own if role == "employee" else other
    manager_prep = own if role == "manager" else other
    shown = draft or current
    previous, withheld = records.previous_for(interview, request.user)
    # This record's actions and the previous talk's, in one query.
    actions = records.record_actions_of(
        ([shown.pk] if shown else []) + ([previous.newest_record_id] if previous else []),
        interview,
    )
    writable = records.record_writable_by(interview, request.user) and interview.state in (
        Interview.State.SCHEDULED,
        Interview.State.HELD,
        Interview.State.SIGNED,
    )
    can_write = writable and (draft is not None or current is None)
    sections = []
    for section in SECTIONS:
        text = getattr(shown, section.key) if shown else ""
        if mine and section.key in mine:
            text = mine[section.key]  # what the person typed, kept after a refused save
        row = {
            "section": section,
            "text": text,
            "employee_prep": getattr(employee_prep, section.key) if employee_prep else None,
            "manager_prep": getattr(manager_prep, section.key) if manager_prep else None,
            "conflict": getattr(conflict, section.key) if conflict and mine and section.key in mine else None,
        }
        # Each shared preparation beside the section (a preparation not shared is said once,
        # above the sections, not in each of them). A signed record shows what it holds: a
        # section nobody wrote or prepared anything for is left out.
        row["preps"] = [
            (name, prep)
            for name, prep in (
                (interview.employee, row["employee_prep"]),
                (interview.partner, row["manager_prep"]),
            )
            if prep is not None and (can_write or prep.strip())
        ]
        if can_write or text.strip() or row["preps"] or section.key == "follow_up" and previous:
            sections.append(row)
    conclusions = shown.conclusions if shown else ""
    if mine and "conclusions" in mine:
        conclusions = mine["conclusions"]
    return {
        "interview": interview,
        "unshared": [
            name
            for name, prep in ((interview.employee, employee_prep), (interview.partner, manager_prep))
            if prep is None
        ]
        if can_write
        else [],
        "versions": versions,
        "current": current,
        "draft": draft,
        "sections": sections,
        "conclusions": conclusions,
        "conclusions_conflict": conflict.conclusions if conflict and mine and "conclusions" in mine else None,
        "conflict": conflict,
        "edit_version": conflict.edit_version if conflict else (draft.edit_version if draft else 0),
        "can_write": can_write,
        "can_sign": draft is not None and interview.state in SIGNABLE_STATES,
        "is_partner": request.user.pk == interview.partner_id,
        "is_employee": request.user.pk == interview.employee_id,
        "actions": actions[shown.pk] if shown else [],
        "goals": list(shown.goals.select_related("unit_goal")) if shown else [],
        # A refused form comes back with its fields and the errors beside them; an empty
        # one is rendered once (interview_tags.empty_form, _goal_form), not on every view.
        "action_form": action_form,
        "goal_form": goal_form,
        "empty_goal_form": lambda: _goal_form(interview.unit),
        "sign_form": sign_form,
        # The manager signs with the password alone: its label, without building the form.
        "password_label": SignForm.base_fields["password"].label,
        "sign_reauth": _sign_reauth(request, interview),
        "employee_prep": employee_prep,
        "manager_prep": manager_prep,
        "previous": previous,
        "previous_actions": actions[previous.newest_record_id] if previous else [],
        "previous_withheld": withheld,
        # The previous talk was with another partner: does this one read it?
        "previous_elsewhere": previous is not None and previous.partner_id != interview.partner_id,
        "history_shown": previous is not None
        and records.follow_up_open_to(previous, interview, interview.partner),
    }


def _confirmed_at(fresh: dict | None) -> datetime.datetime | None:
    """When a confirmation in the session (people.sso.common.reauth_fresh) says the signer
    authenticated at the provider."""
    return datetime.datetime.fromtimestamp(fresh["at"], tz=datetime.UTC) if fresh else None


def _sign_reauth(request, interview: Interview) -> dict | None:
    """In a single sign-on session, how the signer confirms who they are before signing:
    the link to the provider, and the confirmation while it is fresh. None for a password session."""
    url = reauth_url(request, reverse("interviews:record", args=[interview.pk]) + "#sign")
    if url is None:
        return None
    fresh = sso.reauth_fresh(request)
    pending = (request.session.get(sso.SIGN_PENDING) or {}).get(str(interview.pk))
    return {
        "url": url,
        "provider": sso.provider_name(sso.session_method(request)),
        "minutes": sso.reauth_window() // 60,
        "at": _confirmed_at(fresh),
        # What they typed before a refused signature, offered again in the form.
        "pending": pending,
        "pending_form": (lambda: SsoSignForm(initial=pending)) if pending and fresh else None,
    }


def _record_page(request, interview: Interview, *, status: int = 200, **kwargs):
    return render(
        request, "interviews/record.html", _record_context(request, interview, **kwargs), status=status
    )


def _record_part(
    request, interview: Interview, part: str, *, notice: str = "", sign_changed: bool = False, **kwargs
):
    """One part of the record page for an htmx request, with the signing part swapped out of
    band where the change cleared the manager's signature. (Actions and goals do not move the
    texts' version: the page's autosave goes on from the version it has.)"""
    context = _record_context(request, interview, **kwargs)
    context["notice"] = notice
    context["oob"] = True
    context["sign_changed"] = sign_changed
    html = render_to_string(f"interviews/_record_{part}.html", context, request=request)
    html += render_to_string("interviews/_record_oob.html", context, request=request)
    return HttpResponse(html)


def _goal_form(unit) -> SafeString:
    """The empty goal form as {{ form|crispy }} renders it, offering the unit's goals in force.

    The same for everyone in the unit on a day, in a language: kept until a goal is saved
    (people/generations.py) rather than built and rendered on every view of the record.
    """

    def read() -> SafeString:
        return as_crispy_form(RecordGoalForm(unit_goals=goals_for_unit(unit)))

    place = f"{unit.pk}:{unit.path}" if unit else "-"
    key = f"record-goal-form:v1:{get_language()}:{place}:{timezone.localdate().isoformat()}"
    return kept(key, [UNIT_GOALS], read)


def _record_step(request, pk, step, done: str, *, part: str, form_class=None, form_name="", **form_kwargs):
    """Run one record service from a POSTed form.

    A refused step changes nothing and comes back with the form's fields and the reason
    beside the field: in place for htmx, on the whole page without JavaScript.
    """
    interview = _party_interview(request, pk)
    form = form_class(request.POST, request.FILES, **form_kwargs) if form_class else None
    # Any change clears the manager's signature: only then does the signing part change, and
    # only then is it swapped in (not over a password being typed into it).
    signed_before = InterviewRecord.objects.filter(
        interview=interview, locked_at__isnull=True, manager_signed_at__isnull=False
    ).exists()
    ok = form is None or form.is_valid()
    if ok:
        try:
            step(interview, form.cleaned_data if form else None)
        except ValidationError as exc:
            ok = False
            if form is None:
                error = " ".join(exc.messages)
            else:
                _add_errors(form, exc)
    kept_form = {form_name: form} if form is not None and not ok else {}
    if request.htmx:
        if ok:
            return _record_part(request, interview, part, notice=done, sign_changed=signed_before)
        if form is None:
            return _record_part(request, interview, part, notice=error)
        return _record_part(request, interview, part, **kept_form)
    if ok:
        messages.success(request, done)
        return redirect(f"{reverse('interviews:record', args=[interview.pk])}#record-{part}")
    if form is None:
        messages.error(request, error)
        return redirect("interviews:record", pk=interview.pk)
    messages.error(request, _("Not saved: see the reason beside the field."))
    return _record_page(request, interview, status=400, **kept_form)


@require_POST
def record_save_view(request, pk):
    interview = _party_interview(request, pk)
    values = {key: request.POST[key] for key in records.RECORD_TEXT_FIELDS if key in request.POST}
    conflict = None
    try:
        record, cleared = records.record_save(
            interview=interview,
            by=request.user,
            values=values,
            expected_version=_int(request.POST.get("version")) or 0,
        )
    except records.RecordConflict as exc:
        conflict, errors = exc.current, exc.messages
    except ValidationError as exc:
        record, errors = None, exc.messages
    else:
        errors = []
    if request.htmx:
        context = {"interview": interview, "errors": errors}
        if conflict is not None:
            context["conflict"] = conflict
            context["conflict_texts"] = [
                (title, getattr(conflict, key))
                for key, title in records.record_field_titles()
                if key in values
            ]
            # "Save mine over it" sends only the texts whose saved version the alert shows.
            context["conflict_fields"] = ", ".join(f"#id_record_{key}" for key in values)
        elif not errors:
            context.update(version=record.edit_version, saved_at=timezone.now(), cleared=cleared)
            if cleared:
                # The signing part says "sign again" at once, not after a reload.
                context.update(_record_context(request, interview), oob=True, version=record.edit_version)
        response = HttpResponse(render_to_string("interviews/_record_status.html", context, request=request))
        if "version" in context:
            response[SAVED_HEADER] = "1"  # static/js/talk.js forgets its kept copy only then
        return response
    if conflict is not None:
        messages.error(
            request, _("The record was changed meanwhile; nothing was saved. Compare and save again.")
        )
        return _record_page(request, interview, status=409, mine=values, conflict=conflict)
    if errors:
        messages.error(request, " ".join(errors))
        return _record_page(request, interview, status=400, mine=values)
    messages.success(request, _("The record is saved."))
    if cleared:
        messages.warning(request, _("The record changed after it was signed; it must be signed again."))
    return redirect("interviews:record", pk=interview.pk)


@require_POST
def record_action_add(request, pk):
    def step(interview, data):
        records.action_add(
            interview=interview,
            by=request.user,
            owner_kind=data["owner_kind"],
            other=data["other"],
            what=data["what"],
            due_on=data["due_on"],
            standard=data["standard"],
        )

    return _record_step(
        request,
        pk,
        step,
        _("The action is added."),
        part="actions",
        form_class=ActionForm,
        form_name="action_form",
    )


@require_POST
def record_action_remove(request, pk, action_pk):
    def step(interview, _data):
        records.action_remove(interview=interview, by=request.user, action_id=action_pk)

    return _record_step(request, pk, step, _("The action is removed."), part="actions")


@require_POST
def record_goal_add(request, pk):
    interview = _party_interview(request, pk)

    def step(interview, data):
        records.goal_add(
            interview=interview,
            by=request.user,
            text=data["text"],
            deadline=data["deadline"],
            unit_goal=data["unit_goal"],
        )

    return _record_step(
        request,
        pk,
        step,
        _("The goal is added."),
        part="goals",
        form_class=RecordGoalForm,
        form_name="goal_form",
        unit_goals=goals_for_unit(interview.unit),
    )


@require_POST
def record_goal_remove(request, pk, goal_pk):
    def step(interview, _data):
        records.goal_remove(interview=interview, by=request.user, goal_id=goal_pk)

    return _record_step(request, pk, step, _("The goal is removed."), part="goals")


@require_POST
def record_sign_view(request, pk):
    password_session = sso.session_method(request) == sso.PASSWORD
    proof = None
    if not password_session:
        # A single sign-on session signs with a fresh re-authentication at the provider.
        fresh = sso.reauth_fresh(request) or {}
        proof = records.SignerProof(
            method=fresh.get("method", sso.session_method(request)),
            provider=fresh.get("provider", sso.provider_name(sso.session_method(request))),
            authenticated_at=_confirmed_at(fresh),
            user_id=fresh.get("user"),
        )

    def step(interview, data):
        if proof is not None:
            # Kept until the signature goes through: refused for want of a fresh confirmation,
            # the comment comes back in the form once they have confirmed again.
            pending = dict(request.session.get(sso.SIGN_PENDING) or {})
            pending[str(interview.pk)] = {"comment": data["comment"], "disagrees": data["disagrees"]}
            request.session[sso.SIGN_PENDING] = pending
        records.record_sign(
            interview=interview,
            by=request.user,
            password=data.get("password") if password_session else None,
            reauth=proof,
            comment=data["comment"],
            disagrees=data["disagrees"],
        )
        if proof is not None:
            sso.reauth_spend(request)  # one confirmation, one signature
            pending.pop(str(interview.pk), None)
            request.session[sso.SIGN_PENDING] = pending

    return _record_step(
        request,
        pk,
        step,
        _("You have signed the record."),
        part="sign",
        form_class=SignForm if password_session else SsoSignForm,
        form_name="sign_form",
    )


@require_POST
def record_correct_view(request, pk):
    def step(interview, _data):
        records.record_correct(interview=interview, by=request.user)

    return _record_step(
        request, pk, step, _("A new version is open; both of you sign it again."), part="sign"
    )


def record_pdf(request, pk, number):
    """A signed summary, served from storage as it was rendered at signing."""
    interview = _interview(request, pk)
    if not record_pdf_readable_by(interview, request.user):
        raise Http404
    record = get_object_or_404(InterviewRecord, interview=interview, number=number, locked_at__isnull=False)
    audit("summary_downloaded", obj=record, detail=f"interview={interview.pk} v{record.number}")
    # The partner has a copy in their own language when it differs from the employee's.
    own = record.pdf_partner if request.user.pk == interview.partner_id and record.pdf_partner else record.pdf
    response = FileResponse(own.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="interview-summary-v{record.number}.pdf"'
    return response


def record_verify_view(request, pk):
    """Check that a PDF file or a hash matches a signed version of this record."""
    interview = _interview(request, pk)
    if not record_pdf_readable_by(interview, request.user):
        raise Http404
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("pdf")
        match = records.record_verify(
            interview,
            pdf=upload.read() if upload else None,
            hash_text=form.cleaned_data.get("content_hash", ""),
        )
        result = {"match": match}
    return render(
        request, "interviews/record_verify.html", {"interview": interview, "form": form, "result": result}
    )
