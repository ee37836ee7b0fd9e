"""Writes for unit goals."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from goals.models import ActionProgressNote, AgreedAction, UnitGoal
from goals.selectors import UNIT_GOALS
from people.audit import audit
from people.generations import generation_renew
from people.models import OrgUnit, User

GOAL_FIELDS = ("title", "description", "period_start", "period_end")


@transaction.atomic
def goal_save(
    *, unit: OrgUnit, by: User, data: dict, goal: UnitGoal | None = None, based_on: str = ""
) -> UnitGoal:
    """Create a goal, or change one; a change based on an older save is refused, not applied."""
    if goal is None:
        goal = UnitGoal(unit=unit, created_by=by)
    else:
        goal = UnitGoal.objects.select_for_update().get(pk=goal.pk)
        if based_on != goal.updated_at.isoformat():
            raise ValidationError(
                _("Someone else changed this goal meanwhile. Reload the page to see their change.")
            )
    for key in GOAL_FIELDS:
        setattr(goal, key, data[key])
    goal.full_clean()
    goal.save()
    generation_renew(UNIT_GOALS)
    audit("unit_goal_saved", actor=by, obj=goal)
    return goal


@transaction.atomic
def goal_delete(*, goal: UnitGoal, by: User) -> None:
    audit("unit_goal_deleted", actor=by, obj=goal, detail=f"unit={goal.unit_id}")
    goal.delete()
    generation_renew(UNIT_GOALS)


@transaction.atomic
def action_update(*, action, by: User, status: str, note: str = "") -> None:
    """Change an action's status and/or add a dated progress note.

    Who may: its owner and the two parties of the talk it came from (the view loads it
    through actions_visible_to; checked here again, as a later partner may not).
    """
    action = AgreedAction.objects.select_for_update().get(pk=action.pk)
    if by.pk not in (action.owner_id, action.employee_id, action.partner_id):
        raise ValidationError(_("Only the action's owner and the two who agreed it can update it."))
    if status not in AgreedAction.Status.values:
        raise ValidationError(_("Choose a status."))
    note = note.strip()
    if status == action.status and not note:
        raise ValidationError(_("Nothing changed: choose another status or write a note."))
    if len(note) > 2000:
        raise ValidationError(_("The note is longer than 2,000 characters."))
    if status != action.status:
        action.status = status
        action.save(update_fields=["status", "updated_at"])
    ActionProgressNote.objects.create(action=action, author=by, text=note, status_after=status)
    audit("action_updated", actor=by, obj=action, detail=f"status={status}")
