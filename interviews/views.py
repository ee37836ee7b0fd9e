from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from goals.selectors import goals_for_unit
from interviews import records, services
from interviews.forms import (
    ActionForm,
    CloseCycleForm,
    CycleForm,
    GuidelineForm,
    ReasonForm,
    RecordGoalForm,
    ScheduleForm,
    SignForm,
    VerifyForm,
)
from interviews.invitations import interview_ics
from interviews.models import Cycle, Interview, InterviewRecord, LocalGuideline
from interviews.sections import MAX_SECTION_LENGTH, SECTION_KEYS, SECTIONS
from interviews.selectors import (
    cycle_manageable_by,
    cycle_people_without_interview,
    cycle_state_counts,
    cycles_visible_to,
    interview_changeable_by,
    interviews_held_by,
    interviews_of_employee,
    interviews_visible_to,
    local_guidelines_for,
    prep_forms_for,
    prep_role_of,
    record_pdf_readable_by,
)
from people.selectors import (
    current_line_of,
    hr_role_of,
    is_hr_for_whole_organisation,
    people_partnered_by,
    units_visible_to_hr,
)

# --- home ------------------------------------------------------------------------------


def home(request):
    """What each role can do, on one page."""
    user = request.user
    role = hr_role_of(user)
    held = interviews_held_by(user)
    context = {
        "my_line": current_line_of(user),
        "my_interviews": list(interviews_of_employee(user)),
        "held_counts": {row: held.filter(state=row).count() for row in ("planned", "scheduled")},
        "held_total": held.count(),
        "partnered_count": people_partnered_by(user).count(),
        "headed_units": list(user.headed_units.all()),
        "hr_role": role,
        "hr_units": list(role.units.all()) if role and not role.whole_organisation else [],
        "open_cycles": list(cycles_visible_to(user).filter(state=Cycle.State.OPEN)[:5]) if role else [],
    }
    return render(request, "home.html", context)


# --- HR: cycles ------------------------------------------------------------------------


def _require_hr(request):
    if hr_role_of(request.user) is None:
        raise Http404


def _cycle_for_hr(request, pk, *, manage=False) -> Cycle:
    _require_hr(request)
    cycle = get_object_or_404(cycles_visible_to(request.user), pk=pk)
    # Seeing a cycle that touches one's units is not changing it: that needs all its units.
    if manage and not cycle_manageable_by(cycle, request.user):
        raise Http404
    return cycle


def cycle_list(request):
    _require_hr(request)
    cycles = cycles_visible_to(request.user).prefetch_related("units")
    return render(request, "interviews/cycle_list.html", {"cycles": cycles})


def cycle_create(request):
    _require_hr(request)
    units = units_visible_to_hr(request.user)
    form = CycleForm(request.POST or None, units_queryset=units)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in {"units", "version"}}
        try:
            cycle = services.cycle_create(by=request.user, units=form.cleaned_data["units"], **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The cycle was created as a draft. Launch it when it is ready."))
            return redirect("interviews:cycle_detail", pk=cycle.pk)
    return render(request, "interviews/cycle_form.html", {"form": form})


def cycle_edit(request, pk):
    cycle = _cycle_for_hr(request, pk, manage=True)
    if cycle.state != Cycle.State.DRAFT:
        messages.error(request, _("Only a draft cycle can be edited."))
        return redirect("interviews:cycle_detail", pk=cycle.pk)
    units = units_visible_to_hr(request.user)
    form = CycleForm(
        request.POST or None, instance=cycle, units_queryset=units, initial={"version": cycle.version}
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in {"units", "version"}}
        try:
            services.cycle_update(
                cycle=cycle,
                by=request.user,
                expected_version=form.cleaned_data.get("version") or 0,
                units=form.cleaned_data["units"],
                **data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The cycle was saved."))
            return redirect("interviews:cycle_detail", pk=cycle.pk)
    return render(request, "interviews/cycle_form.html", {"form": form, "cycle": cycle})


INTERVIEW_PAGE_SIZE = 50
MISSING_SHOWN = 200


def cycle_detail(request, pk):
    cycle = _cycle_for_hr(request, pk)
    # HR scoped to some units sees the figures and people of those units only.
    scope = None if is_hr_for_whole_organisation(request.user) else units_visible_to_hr(request.user)
    counts = cycle_state_counts(cycle, units=scope)
    total = sum(counts.values())
    done = counts["signed"] + counts["excused"] + counts["cancelled"]
    without_interview = cycle_people_without_interview(cycle)
    if scope is not None:
        without_interview = without_interview.filter(unit__in=scope)
    missing_counts = without_interview.aggregate(
        total=Count("pk"), with_partner=Count("pk", filter=Q(has_partner=True))
    )
    missing = list(without_interview[:MISSING_SHOWN])
    # Status only: HR never sees the content of an interview here.
    interviews = (
        (cycle.interviews.all() if scope is None else cycle.interviews.filter(unit__in=scope))
        .select_related("employee", "partner", "unit")
        .order_by("employee__family_name", "employee__given_name")
    )
    state = request.GET.get("state", "")
    if state in Interview.State.values:
        interviews = interviews.filter(state=state)
    page = Paginator(interviews, INTERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "interviews/cycle_detail.html",
        {
            "cycle": cycle,
            "units": list(cycle.units.all()),
            "counts": [(Interview.State(key).label, key, n) for key, n in counts.items()],
            "total": total,
            "completion": round(100 * counts["signed"] / (total - counts["excused"] - counts["cancelled"]))
            if total - counts["excused"] - counts["cancelled"]
            else 0,
            "finished": done,
            "unfinished": counts["planned"] + counts["scheduled"] + counts["held"],
            "missing": missing,
            "missing_total": missing_counts["total"],
            "missing_with_partner": missing_counts["with_partner"],
            "missing_without_partner": missing_counts["total"] - missing_counts["with_partner"],
            "page": page,
            "state": state,
            "states": Interview.State.choices,
            "can_manage": cycle_manageable_by(cycle, request.user),
            "close_form": CloseCycleForm(),
        },
    )


@require_POST
def cycle_launch(request, pk):
    cycle = _cycle_for_hr(request, pk, manage=True)
    try:
        result = services.cycle_launch(cycle=cycle, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = ngettext(
            "The cycle is open: %(created)d interview was created.",
            "The cycle is open: %(created)d interviews were created.",
            result.created,
        ) % {"created": result.created}
        if result.without_partner:
            text += " " + ngettext(
                "%(missing)d person has no interview partner yet; see the list below.",
                "%(missing)d people have no interview partner yet; see the list below.",
                result.without_partner,
            ) % {"missing": result.without_partner}
        messages.success(request, text)
    return redirect("interviews:cycle_detail", pk=cycle.pk)


@require_POST
def cycle_add_missing(request, pk):
    cycle = _cycle_for_hr(request, pk, manage=True)
    try:
        result = services.cycle_add_missing(cycle=cycle, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext("%(created)d interview was added.", "%(created)d interviews were added.", result.created)
            % {"created": result.created},
        )
    return redirect("interviews:cycle_detail", pk=cycle.pk)


@require_POST
def cycle_close(request, pk):
    cycle = _cycle_for_hr(request, pk, manage=True)
    form = CloseCycleForm(request.POST)
    form.is_valid()
    try:
        services.cycle_close(
            cycle=cycle,
            by=request.user,
            confirm_unfinished=form.cleaned_data.get("confirm_unfinished", False),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The cycle is closed."))
    return redirect("interviews:cycle_detail", pk=cycle.pk)


# --- managers and employees ------------------------------------------------------------

SORTS = {
    "name": ["employee__family_name", "employee__given_name"],
    "state": ["state", "employee__family_name"],
    # Booked meetings first, in time order; those still to book after them.
    "time": [F("starts_at").asc(nulls_last=True), "employee__family_name"],
}


def my_interviews(request):
    """The manager's list: everyone they hold interviews with in open cycles."""
    interviews = interviews_held_by(request.user)
    state = request.GET.get("state", "")
    if state in Interview.State.values:
        interviews = interviews.filter(state=state)
    query = request.GET.get("q", "").strip()
    if query:
        interviews = interviews.filter(
            Q(employee__given_name__icontains=query) | Q(employee__family_name__icontains=query)
        )
    sort = request.GET.get("sort", "time")
    interviews = interviews.order_by(*SORTS.get(sort, SORTS["time"]))
    return render(
        request,
        "interviews/my_interviews.html",
        {
            "interviews": list(interviews),
            "state": state,
            "query": query,
            "sort": sort if sort in SORTS else "time",
            "states": Interview.State.choices,
            "now": timezone.now(),
        },
    )


def _interview(request, pk) -> Interview:
    return get_object_or_404(interviews_visible_to(request.user), pk=pk)


def interview_detail(request, pk):
    return _interview_page(request, _interview(request, pk))


def _interview_page(request, interview: Interview, *, conflict=None, mine=None):
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
    guidelines = local_guidelines_for(interview.unit) if role else []
    previous, previous_actions = records.previous_signed_record(interview) if role else (None, [])
    return render(
        request,
        "interviews/interview_detail.html",
        {
            "interview": interview,
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
            "prep_editable": role is not None
            and interview.state in services.PREP_EDITABLE_STATES
            and interview.cycle.state == Cycle.State.OPEN,
            "max_length": MAX_SECTION_LENGTH,
            "unit_goals": list(goals_for_unit(interview.unit)) if role else [],
            "guidelines": guidelines,
            "extra_prompts": [p for g in guidelines for p in g.prompt_list()],
            "other_name": interview.partner if role == "employee" else interview.employee,
            "previous": previous,
            "previous_actions": previous_actions,
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
            try:
                services.interview_schedule(
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


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


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
    try:
        service(interview=interview, by=request.user, expected_version=_int(request.POST.get("version")))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
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
    if request.user.pk not in (interview.employee_id, interview.partner_id) or interview.starts_at is None:
        raise Http404
    method = "REQUEST" if interview.state == Interview.State.SCHEDULED else "CANCEL"
    response = HttpResponse(
        interview_ics(interview, method=method), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="interview.ics"'
    return response


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- prep forms ------------------------------------------------------------------------


def _party_interview(request, pk) -> Interview:
    """An interview the user is one of the two parties of; anybody else gets 404."""
    interview = _interview(request, pk)
    if prep_role_of(interview, request.user) is None:
        raise Http404
    return interview


@require_POST
def prep_save_view(request, pk):
    """Save the author's prep form: one section from autosave (htmx), or every section from a plain POST."""
    values = {key: request.POST[key] for key in SECTION_KEYS if key in request.POST}
    expected = _int(request.POST.get("version"))
    try:
        # Autosave runs on every pause in typing: one UPDATE that checks who, which version
        # and whether the form is still open. Only when it saves nothing is the interview
        # loaded (404 for outsiders) to say why.
        version = (
            services.prep_save_fast(
                interview_id=pk, author=request.user, values=values, expected_version=expected
            )
            if expected
            else None
        )
    except ValidationError as exc:
        version, early_error = None, exc
    else:
        early_error = None
    if version is not None:
        return _prep_saved(request, pk, version)
    interview = _party_interview(request, pk)
    try:
        if early_error is not None:
            raise early_error
        if expected is None:
            raise ValidationError(_("The page is out of date; reload it."))
        version = services.prep_save(
            interview=interview, author=request.user, values=values, expected_version=expected
        )
    except services.PrepConflict as conflict:
        if request.htmx:
            saved = [
                (section.title, getattr(conflict.current, section.key))
                for section in SECTIONS
                if section.key in values
            ]
            return _status(interview=interview, conflict=conflict.current, conflict_texts=saved)
        messages.error(
            request, _("Your preparation was changed in another window meanwhile; nothing was saved.")
        )
        return _interview_page(request, interview, conflict=conflict.current, mine=values)
    except ValidationError as exc:
        if request.htmx:
            return _status(interview=interview, errors=exc.messages)
        messages.error(request, " ".join(exc.messages))
        return _interview_page(request, interview, mine=values)
    return _prep_saved(request, pk, version)


def _prep_saved(request, pk, version):
    if request.htmx:
        return _status(version=version, saved_at=timezone.now())
    messages.success(request, _("Your preparation is saved."))
    return redirect("interviews:interview_detail", pk=pk)


def _status(**context) -> HttpResponse:
    # Rendered without the request: the fragment needs no menu, so an autosave pays for no
    # context-processor queries.
    return HttpResponse(render_to_string("interviews/_prep_status.html", context))


@require_POST
def prep_share_view(request, pk):
    interview = _party_interview(request, pk)
    try:
        services.prep_share(interview=interview, author=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        other = interview.partner if request.user.pk == interview.employee_id else interview.employee
        messages.success(request, _("Your preparation is shared with %(other)s.") % {"other": other})
    return redirect("interviews:interview_detail", pk=interview.pk)


# --- HR: local guidelines --------------------------------------------------------------


def guideline_edit(request, pk):
    _require_hr(request)
    unit = get_object_or_404(units_visible_to_hr(request.user), pk=pk)
    guideline = LocalGuideline.objects.filter(unit=unit).first()
    form = GuidelineForm(
        request.POST or None,
        initial={
            "text": guideline.text if guideline else "",
            "extra_prompts": guideline.extra_prompts if guideline else "",
            "version": guideline.version if guideline else 0,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.guideline_save(
                unit=unit,
                by=request.user,
                text=form.cleaned_data["text"],
                extra_prompts=form.cleaned_data["extra_prompts"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The guidelines were saved."))
            return redirect("people:unit_detail", pk=unit.pk)
    inherited = [g for g in local_guidelines_for(unit) if g.unit_id != unit.pk]
    return render(
        request, "interviews/guideline_edit.html", {"unit": unit, "form": form, "inherited": inherited}
    )


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
    unit_goals = goals_for_unit(interview.unit)
    sections = [
        {
            "section": section,
            "text": getattr(draft or current, section.key) if (draft or current) else "",
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
            "conclusions": (draft or current).conclusions if (draft or current) else "",
            "edit_version": draft.edit_version if draft else 0,
            "can_write": writable and (draft is not None or current is None),
            "is_partner": request.user.pk == interview.partner_id,
            "is_employee": request.user.pk == interview.employee_id,
            "actions": list(records.record_actions(draft or current)) if (draft or current) else [],
            "goals": list((draft or current).goals.select_related("unit_goal")) if (draft or current) else [],
            "action_form": ActionForm(),
            "goal_form": RecordGoalForm(unit_goals=unit_goals),
            "sign_form": SignForm(),
            "employee_prep": employee_prep,
            "manager_prep": manager_prep,
        },
    )


def _record_step(request, pk, step, done: str, form_class=None, **form_kwargs):
    """Run one record service from a POSTed form; explain what went wrong, change nothing then."""
    interview = _party_interview(request, pk)
    form = form_class(request.POST, request.FILES, **form_kwargs) if form_class else None
    if form is not None and not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect("interviews:record", pk=interview.pk)
    try:
        step(interview, form.cleaned_data if form else None)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
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
    response = FileResponse(record.pdf.open("rb"), content_type="application/pdf")
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
