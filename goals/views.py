from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from goals.forms import ActionUpdateForm, UnitGoalForm
from goals.models import UnitGoal
from goals.selectors import action_groups, actions_followed_by, actions_visible_to, goal_units_managed_by
from goals.services import action_update, goal_delete, goal_save
from people.forms import form_errors_as_messages
from people.selectors import nav_facts, unit_tree


def goal_units(request):
    """The units whose goals the user keeps (HR for their units, heads for their subtree)."""
    units = goal_units_managed_by(request.user)
    if not units.exists():
        raise Http404
    return render(
        request, "goals/goal_units.html", {"units": unit_tree(units.annotate(goal_count=Count("goals")))}
    )


def unit_goals(request, pk):
    unit = get_object_or_404(goal_units_managed_by(request.user), pk=pk)
    form = UnitGoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            goal_save(unit=unit, by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The goal was added."))
            return redirect("goals:unit_goals", pk=unit.pk)
    goals = UnitGoal.objects.filter(unit=unit).order_by("-period_start", "title")
    return render(request, "goals/unit_goals.html", {"unit": unit, "goals": goals, "form": form})


def _goal(request, pk) -> UnitGoal:
    return get_object_or_404(
        UnitGoal.objects.filter(unit__in=goal_units_managed_by(request.user)).select_related("unit"), pk=pk
    )


def goal_edit(request, pk):
    goal = _goal(request, pk)
    form = UnitGoalForm(
        request.POST or None, instance=goal, initial={"based_on": goal.updated_at.isoformat()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            goal_save(
                unit=goal.unit,
                by=request.user,
                data=form.cleaned_data,
                goal=goal,
                based_on=form.cleaned_data["based_on"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The goal was saved."))
            return redirect("goals:unit_goals", pk=goal.unit_id)
    return render(request, "goals/goal_edit.html", {"goal": goal, "form": form})


@require_POST
def goal_remove(request, pk):
    goal = _goal(request, pk)
    goal_delete(goal=goal, by=request.user)
    messages.success(request, _("The goal was removed."))
    return redirect("goals:unit_goals", pk=goal.unit_id)


def my_actions(request):
    """The actions a user owns, and (for a manager) those of the people they hold interviews with.

    Only actions still to follow up: once a later interview has reviewed an action it is
    history, kept with that interview's record. A manager of a hundred people would
    otherwise get every action of every year on one page (a thousand at 10,000 employees).
    """
    user = request.user
    actions = list(
        actions_followed_by(user, partner=nav_facts(user)["partner"])
        .filter(reviewed_at__isnull=True)
        .order_by("due_on", "pk")
    )
    prefetch_related_objects(actions, "owner", "employee")
    mine, theirs = [], []
    for action in actions:
        (mine if action.owner_id == user.pk or action.employee_id == user.pk else theirs).append(action)
    # Notes for one's own actions only: the others' are read, not updated, here.
    prefetch_related_objects(mine, "notes__author")
    return render(
        request,
        "goals/my_actions.html",
        {
            "groups": action_groups(mine),
            "their_groups": action_groups(theirs),
            # The card's fixed words, translated once a page instead of once a card.
            "words": {
                "done_when": _("Done when:"),
                "status": _("Status"),
                "note": _("Progress note"),
                "update": _("Update"),
            },
            "group_titles": {
                "overdue": _("Overdue"),
                "soon": _("Due within a week"),
                "later": _("Later"),
                "finished": _("Done or dropped"),
            },
        },
    )


@require_POST
def action_update_view(request, pk):
    action = get_object_or_404(actions_visible_to(request.user), pk=pk)
    form = ActionUpdateForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("goals:my_actions")
    try:
        action_update(
            action=action,
            by=request.user,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The action is updated."))
    return redirect("goals:my_actions")
