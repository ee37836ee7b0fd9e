"""The interview record: write, sign, correct, download and verify."""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
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
    VerifyForm,
)
from interviews.models import Interview, InterviewRecord
from interviews.sections import SECTIONS
from interviews.selectors import (
    prep_forms_for,
    prep_role_of,
    record_pdf_readable_by,
)
from interviews.views.common import _int, _interview, _party_interview, run_step
from people.audit import audit
from people.forms import form_errors_as_messages
from people.generations import kept

# --- the interview record --------------------------------------------------------------


def record_page(request, pk):
    """The record for the two parties: write it (beside both prep forms), sign it, read old versions."""
    interview = _party_interview(request, pk)
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
    sections = [
        {
            "section": section,
            "text": getattr(shown, section.key) if shown else "",
            "employee_prep": getattr(employee_prep, section.key) if employee_prep else None,
            "manager_prep": getattr(manager_prep, section.key) if manager_prep else None,
        }
        for section in SECTIONS
    ]
    writable = records.record_writable_by(interview, request.user) and interview.state in (
        Interview.State.SCHEDULED,
        Interview.State.HELD,
        Interview.State.SIGNED,
    )
    return render(
        request,
        "interviews/record.html",
        {
            "interview": interview,
            "versions": versions,
            "current": current,
            "draft": draft,
            "sections": sections,
            "conclusions": shown.conclusions if shown else "",
            "edit_version": draft.edit_version if draft else 0,
            "can_write": writable and (draft is not None or current is None),
            "is_partner": request.user.pk == interview.partner_id,
            "is_employee": request.user.pk == interview.employee_id,
            "actions": actions[shown.pk] if shown else [],
            "goals": list(shown.goals.select_related("unit_goal")) if shown else [],
            # Called by the template only where the form is shown.
            "goal_form": lambda: _goal_form(interview.unit),
            # The manager signs with the password alone: its label, without building the form.
            "password_label": SignForm.base_fields["password"].label,
            "employee_prep": employee_prep,
            "manager_prep": manager_prep,
            "previous": previous,
            "previous_actions": actions[previous.newest_record_id] if previous else [],
            "previous_withheld": withheld,
            # The previous talk was with another partner: does this one read it?
            "previous_elsewhere": previous is not None and previous.partner_id != interview.partner_id,
            "history_shown": previous is not None
            and records.follow_up_open_to(previous, interview, interview.partner),
        },
    )


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


def _record_step(request, pk, step, done: str, form_class=None, **form_kwargs):
    """Run one record service from a POSTed form; explain what went wrong, change nothing then."""
    interview = _party_interview(request, pk)
    form = form_class(request.POST, request.FILES, **form_kwargs) if form_class else None
    if form is not None and not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("interviews:record", pk=interview.pk)
    run_step(request, lambda: step(interview, form.cleaned_data if form else None), done)
    return redirect("interviews:record", pk=interview.pk)


@require_POST
def record_save_view(request, pk):
    interview = _party_interview(request, pk)
    values = {key: request.POST[key] for key in records.RECORD_TEXT_FIELDS if key in request.POST}
    try:
        _record, cleared = records.record_save(
            interview=interview,
            by=request.user,
            values=values,
            expected_version=_int(request.POST.get("version")) or 0,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("interviews:record", pk=interview.pk)
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

    return _record_step(request, pk, step, _("The action is added."), ActionForm)


@require_POST
def record_action_remove(request, pk, action_pk):
    def step(interview, _data):
        records.action_remove(interview=interview, by=request.user, action_id=action_pk)

    return _record_step(request, pk, step, _("The action is removed."))


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
        request, pk, step, _("The goal is added."), RecordGoalForm, unit_goals=goals_for_unit(interview.unit)
    )


@require_POST
def record_goal_remove(request, pk, goal_pk):
    def step(interview, _data):
        records.goal_remove(interview=interview, by=request.user, goal_id=goal_pk)

    return _record_step(request, pk, step, _("The goal is removed."))


@require_POST
def record_sign_view(request, pk):
    def step(interview, data):
        records.record_sign(
            interview=interview, by=request.user, password=data["password"], comment=data["comment"]
        )

    return _record_step(request, pk, step, _("You have signed the record."), SignForm)


@require_POST
def record_correct_view(request, pk):
    def step(interview, _data):
        records.record_correct(interview=interview, by=request.user)

    return _record_step(request, pk, step, _("A new version is open; both of you sign it again."))


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
