"""Managers' and employees' pages: the interview, its meeting and its state."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from interviews import records, services
from interviews.forms import (
    ReasonForm,
    ScheduleForm,
)
from interviews.invitations import interview_ics, interview_ics_filename
from interviews.models import Cycle, Interview, InterviewRecord
from interviews.sections import MAX_SECTION_LENGTH, SECTIONS
from interviews.selectors import (
    interview_changeable_by,
    interviews_held_by,
    prep_forms_for,
    prep_role_of,
    unit_guidance,
)
from interviews.views.common import _add_errors, _int, _interview, page_of, run_step
from people.forms import search_query

# --- managers and employees ------------------------------------------------------------

# A head of a large department holds a hundred talks or more: a page of them at a time.
MY_INTERVIEWS_PAGE_SIZE = 50

SORTS = {
    "name": ["employee__family_name", "employee__given_name"],
    "state": ["state", "employee__family_name"],
    # Booked meetings first, in time order; those still to book after them.
    "time": [F("starts_at").asc(nulls_last=True), "employee__family_name"],
}


LIST_FIELDS = [
    "state",
    "starts_at",
    "place",
    "employee_shared",
    "manager_shared",
    "cycle__name",
    "employee__given_name",
    "employee__family_name",
    "employee__email",
    "employee__unit__name",
]


def my_interviews(request):
    """The manager's list: everyone they hold interviews with in open cycles."""
    # Only what a row shows: fifty rows of four whole tables cost the page some 2 ms more.
    interviews = interviews_held_by(request.user).only(*LIST_FIELDS)
    state = request.GET.get("state", "")
    if state in Interview.State.values:
        interviews = interviews.filter(state=state)
    query = search_query(request)
    if query:
        interviews = interviews.filter(
            Q(employee__given_name__icontains=query) | Q(employee__family_name__icontains=query)
        )
    sort = request.GET.get("sort", "time")
    # The pk last, so that a page boundary never splits or repeats a row.
    interviews = interviews.order_by(*SORTS.get(sort, SORTS["time"]), "pk")
    page = page_of(interviews, MY_INTERVIEWS_PAGE_SIZE, request.GET.get("page"))
    return render(
        request,
        "interviews/my_interviews.html",
        {
            "page": page if page.object_list else None,
            "state": state,
            "query": query,
            "sort": sort if sort in SORTS else "time",
            "states": Interview.State.choices,
            "now": timezone.now(),
        },
    )


def interview_detail(request, pk):
    return _interview_page(request, _interview(request, pk))


def _interview_page(request, interview: Interview, *, conflict=None, mine=None, share_confirm=None):
    """The interview page; for the two parties, with both prep forms side by side."""
    user = request.user
    role = prep_role_of(interview, user)
    own, other = prep_forms_for(interview, user)
    sections = []
    if role is not None:
        job_kind = interview.employee.job_kind
        for section in SECTIONS:
            own_text = getattr(own, section.key) if own else ""
            if mine and section.key in mine:
                own_text = mine[section.key]  # what the author typed, kept after a refused save
            sections.append(
                {
                    "section": section,
                    "prompts": section.prompts(role=role, job_kind=job_kind),
                    "own": own_text,
                    "other": getattr(other, section.key) if other else "",
                    "conflict": getattr(conflict, section.key)
                    if conflict and mine and section.key in mine
                    else None,
                }
            )
    guidelines, unit_goals = unit_guidance(interview.unit) if role else ([], [])
    previous, withheld = records.previous_for(interview, user) if role else (None, None)
    previous_actions = (
        records.record_actions_of([previous.newest_record_id], interview)[previous.newest_record_id]
        if previous
        else []
    )
    prep_editable = (
        role is not None
        and interview.state in services.PREP_EDITABLE_STATES
        and interview.cycle.state == Cycle.State.OPEN
    )
    # The record's signatures, for the next step, once the talk is held.
    draft = (
        InterviewRecord.objects.filter(interview=interview, locked_at__isnull=True)
        .only("manager_signed_at", "number")
        .first()
        if role is not None and interview.state in (Interview.State.HELD, Interview.State.SIGNED)
        else None
    )
    return render(
        request,
        "interviews/interview_detail.html",
        {
            "interview": interview,
            "draft": draft,
            # A talk that is over shows the preparations only where somebody wrote one: no
            # empty form offered as a "private draft" on a signed or cancelled interview.
            "prep_shown": prep_editable or any(s["own"].strip() or s["other"].strip() for s in sections),
            "share_confirm": share_confirm,
            "is_party": role is not None,
            "is_partner": user.pk == interview.partner_id,
            "is_employee": user.pk == interview.employee_id,
            "can_end": interview_changeable_by(interview, user, action="cancelled"),
            "cycle_open": interview.cycle.state == Cycle.State.OPEN,
            "reason_form": ReasonForm(initial={"version": interview.version}),
            "now": timezone.now(),
            "role": role,
            "own": own,
            "other": other,
            "own_version": conflict.version if conflict else (own.version if own else 0),
            "sections": sections,
            "answered": sum(1 for s in sections if s["own"].strip()),
            "other_answered": sum(1 for s in sections if s["other"].strip()),
            "prep_editable": prep_editable,
            "max_length": MAX_SECTION_LENGTH,
            "unit_goals": unit_goals,
            "guidelines": guidelines,
            "extra_prompts": [p for g in guidelines for p in g.prompt_list()],
            "other_name": interview.partner if role == "employee" else interview.employee,
            "previous": previous,
            "previous_actions": previous_actions,
            "previous_withheld": withheld,
            # The employee chooses whether a new partner reads their talk with the old one.
            "history_choice": previous is not None
            and role == "employee"
            and previous.partner_id != interview.partner_id
            and interview.state in Interview.UNFINISHED,
            "history_shown": previous is not None
            and records.follow_up_open_to(previous, interview, interview.partner),
        },
    )


def interview_schedule(request, pk):
    interview = _interview(request, pk)
    if request.user.pk != interview.partner_id:
        raise Http404
    if request.method == "POST":
        form = ScheduleForm(request.POST, interview=interview)
        if form.is_valid():
            data = form.cleaned_data
            moving = interview.state == Interview.State.SCHEDULED
            try:
                booked = services.interview_schedule(
                    interview=interview,
                    by=request.user,
                    starts_at=data["starts_at"],
                    duration_minutes=data["duration_minutes"],
                    place=data["place"],
                    note=data["note"],
                    expected_version=data["version"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                if moving:
                    when = date_format(timezone.localtime(booked.starts_at), "DATETIME_FORMAT")
                    messages.success(
                        request,
                        _(
                            "The meeting is moved to %(when)s; both of you get an updated calendar "
                            "invitation by email."
                        )
                        % {"when": when},
                    )
                else:
                    messages.success(
                        request, _("The meeting is booked; both of you get a calendar invitation by email.")
                    )
                return redirect("interviews:interview_detail", pk=interview.pk)
    else:
        local = timezone.localtime(interview.starts_at) if interview.starts_at else None
        form = ScheduleForm(
            interview=interview,
            initial={
                "date": local.date() if local else None,
                "time": local.time() if local else None,
                "duration_minutes": interview.duration_minutes or interview.cycle.min_length_minutes,
                "place": interview.place,
                "note": interview.note,
                "version": interview.version,
            },
        )
    return render(request, "interviews/interview_schedule.html", {"interview": interview, "form": form})


def _end_view(request, pk, service, done_message):
    interview = _interview(request, pk)
    if not interview_changeable_by(interview, request.user, action="cancelled"):
        raise Http404
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            service(
                interview=interview,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done_message)
    else:
        messages.error(request, _("Give a reason; both parties will see it."))
    return redirect("interviews:interview_detail", pk=interview.pk)


@require_POST
def interview_cancel(request, pk):
    return _end_view(request, pk, services.interview_cancel, _("The interview is cancelled."))


@require_POST
def interview_excuse(request, pk):
    return _end_view(
        request, pk, services.interview_excuse, _("The employee is excused from this interview.")
    )


def _state_step(request, pk, *, allowed, service, done: str):
    """Run one state-changing service for an interview the user may change; 404 for others."""
    interview = _interview(request, pk)
    if not allowed(interview, request.user):
        raise Http404
    version = _int(request.POST.get("version"))
    run_step(request, lambda: service(interview=interview, by=request.user, expected_version=version), done)
    return redirect("interviews:interview_detail", pk=interview.pk)


@require_POST
def interview_reopen(request, pk):
    return _state_step(
        request,
        pk,
        allowed=lambda interview, user: interview_changeable_by(interview, user, action="reopen"),
        service=services.interview_reopen,
        done=_("The interview is planned again."),
    )


@require_POST
def interview_held(request, pk):
    return _state_step(
        request,
        pk,
        allowed=lambda interview, user: user.pk == interview.partner_id,
        service=services.interview_mark_held,
        done=_("The interview is marked held."),
    )


def interview_calendar(request, pk):
    """The meeting as an .ics file, for the two parties to add to a calendar by hand."""
    interview = _interview(request, pk)
    if request.user.pk not in (interview.employee_id, interview.partner_id):
        raise Http404
    # Only a booked meeting: a cancellation reaches calendars by email, as a CANCEL, and a
    # meeting held or signed is no longer something to add.
    if interview.state != Interview.State.SCHEDULED or interview.starts_at is None:
        raise Http404
    response = HttpResponse(
        interview_ics(interview, method="REQUEST"), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, interview_ics_filename(interview, method="REQUEST")
    )
    return response
