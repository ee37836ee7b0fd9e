"""The home page and HR's pages: cycles and local guidelines."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from interviews import services
from interviews.dashboard import dashboard_cycles, dashboard_viewer
from interviews.forms import (
    CloseCycleForm,
    ConfirmPlanForm,
    CycleForm,
    GuidelineForm,
)
from interviews.launching import PlanChanged, cycle_launch_plan, names_text, overlap_text
from interviews.models import Cycle, Interview, LocalGuideline
from interviews.selectors import (
    cycle_manageable_by,
    cycle_people_without_interview,
    cycle_state_counts,
    cycles_visible_to,
    local_guidelines_for,
)
from interviews.todo import home_for
from interviews.views.common import _require_hr
from people.selectors import (
    hr_role_of,
    is_hr_for_whole_organisation,
    nav_facts,
    units_visible_to_hr,
)

# --- home ------------------------------------------------------------------------------


def home(request):
    """What each role can do, on one page."""
    user = request.user
    role = hr_role_of(user)
    # Most people are neither a partner nor a head: the menu's facts (kept a minute, as the
    # menu shows them) spare them the manager's and the head's reads.
    facts = nav_facts(user)
    # The to-do list, the person's interviews and the manager's figures, read together.
    talks = home_for(user, partner=facts["partner"])
    held = talks.held
    context = {
        "todos": talks.todos,
        "waiting": talks.waiting,
        "my_line": talks.my_line,
        "my_interviews": talks.my_interviews,
        "held_counts": {row: held[row] for row in ("planned", "scheduled")},
        "held_total": held["total"],
        "partnered_count": talks.partnered,
        "headed_units": list(user.headed_units.all()) if facts["heads"] else [],
        "hr_role": role,
        "hr_units": list(role.units.all()) if role and not role.whole_organisation else [],
        "open_cycles": list(cycles_visible_to(user).filter(state=Cycle.State.OPEN)[:5]) if role else [],
    }
    if context["headed_units"] and not role:
        viewer = dashboard_viewer(user)
        context["head_cycles"] = (
            list(dashboard_cycles(viewer).filter(state=Cycle.State.OPEN)[:5]) if viewer else []
        )
    return render(request, "home.html", context)


# --- HR: cycles ------------------------------------------------------------------------


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
        total=Count("pk"),
        with_partner=Count("pk", filter=Q(has_partner=True, elsewhere=False)),
        without_partner=Count("pk", filter=Q(has_partner=False, elsewhere=False)),
        # Not named "elsewhere": an aggregate named like the annotation it counts hides it.
        in_other_cycle=Count("pk", filter=Q(elsewhere=True)),
    )
    listed = without_interview
    if cycle.state == Cycle.State.DRAFT:
        # Before the launch, the ones it will not reach: no partner, or in another cycle.
        listed = listed.filter(Q(has_partner=False) | Q(elsewhere=True))
    missing = list(listed[:MISSING_SHOWN])
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
            "missing_elsewhere": missing_counts["in_other_cycle"],
            "missing_listed": missing_counts["total"]
            if cycle.state != Cycle.State.DRAFT
            else missing_counts["without_partner"] + missing_counts["in_other_cycle"],
            "missing_without_partner": missing_counts["without_partner"],
            "page": page,
            "state": state,
            "states": Interview.State.choices,
            "can_manage": cycle_manageable_by(cycle, request.user),
            "close_form": CloseCycleForm(),
        },
    )


def cycle_launch(request, pk):
    """GET: what launching would do; POST with the preview's confirmation: launch."""
    cycle = _cycle_for_hr(request, pk, manage=True)
    if cycle.state != Cycle.State.DRAFT:
        messages.error(request, _("This cycle has been launched already."))
        return redirect("interviews:cycle_detail", pk=cycle.pk)
    return _confirm_plan(request, cycle, services.cycle_launch, _launched_text)


def cycle_add_missing(request, pk):
    """GET: who would be added to the open cycle; POST with the preview's confirmation: add them."""
    cycle = _cycle_for_hr(request, pk, manage=True)
    if cycle.state != Cycle.State.OPEN:
        messages.error(request, _("People can be added only while the cycle is open."))
        return redirect("interviews:cycle_detail", pk=cycle.pk)
    return _confirm_plan(request, cycle, services.cycle_add_missing, _added_text)


def _confirm_plan(request, cycle, apply, success_text):
    """The preview page, and its confirmation applied if the plan is still the one shown."""
    form = ConfirmPlanForm(request.POST or None)
    changed = False
    if request.method == "POST" and form.is_valid():
        try:
            result = apply(cycle=cycle, by=request.user, expected_plan=form.cleaned_data["plan"])
        except PlanChanged as exc:
            plan, changed = exc.plan, True
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("interviews:cycle_detail", pk=cycle.pk)
        else:
            messages.success(request, " ".join([success_text(result), *_left_out_texts(result)]))
            return redirect("interviews:cycle_detail", pk=cycle.pk)
    else:
        plan = cycle_launch_plan(cycle)
    return render(
        request,
        "interviews/cycle_launch.html",
        {
            "cycle": cycle,
            "plan": plan,
            "changed": changed,
            "launching": cycle.state == Cycle.State.DRAFT,
            "overlaps": [overlap_text(group) for group in plan.overlapping],
            "without_partner": names_text(plan.without_partner),
            "form": ConfirmPlanForm(initial={"plan": plan.digest}),
        },
    )


def _launched_text(result) -> str:
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
    return text


def _added_text(result) -> str:
    return ngettext(
        "%(created)d interview was added.", "%(created)d interviews were added.", result.created
    ) % {"created": result.created}


def _left_out_texts(result) -> list[str]:
    if not result.left_out:
        return []
    lead = ngettext(
        "%(count)d person was left out: they have an interview in a cycle at the same time.",
        "%(count)d people were left out: they have an interview in a cycle at the same time.",
        result.left_out,
    ) % {"count": result.left_out}
    return [lead, *(overlap_text(group) for group in result.overlapping)]


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
