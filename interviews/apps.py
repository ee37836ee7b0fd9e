from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterviewsConfig(AppConfig):
    name = "interviews"
    verbose_name = _("Interviews")

    def ready(self):
        from people.signals import (
            partners_change_preview,
            partners_changed,
            people_left,
            people_left_preview,
            running_cycle_scopes,
        )

        # people cannot call interviews (dependencies run one way), so it announces the
        # change and open interviews follow the new partner in the same transaction.
        partners_changed.connect(_follow_partners, dispatch_uid="interviews.follow_partners")
        # The import's preview asks what a change would do before anything changes.
        partners_change_preview.connect(_preview_partners, dispatch_uid="interviews.preview_partners")
        running_cycle_scopes.connect(_running_scopes, dispatch_uid="interviews.running_scopes")
        # People who left the organisation (an import of the whole of it): their talks end.
        people_left.connect(_end_for_leavers, dispatch_uid="interviews.end_for_leavers")
        people_left_preview.connect(_preview_leavers, dispatch_uid="interviews.preview_leavers")
        # The audit log (people) names interviews, records and cycles through these.
        from interviews.selectors import audit_object_kinds_register

        audit_object_kinds_register()


def _follow_partners(sender, employee_ids, **kwargs):
    from interviews.partners import interviews_follow_partners

    interviews_follow_partners(employee_ids=employee_ids)


def _preview_partners(sender, moves, **kwargs):
    from interviews.partners import interviews_follow_partners_preview

    return interviews_follow_partners_preview(moves=moves)


def _running_scopes(sender, **kwargs):
    from interviews.models import Cycle

    cycles = Cycle.objects.filter(state=Cycle.State.OPEN).prefetch_related("units").order_by("opens_on")
    return [(cycle.name, {unit.pk for unit in cycle.units.all()}) for cycle in cycles]


def _end_for_leavers(sender, employee_ids, **kwargs):
    from interviews.partners import interviews_end_for_leavers

    interviews_end_for_leavers(employee_ids=employee_ids)


def _preview_leavers(sender, employee_ids, **kwargs):
    from interviews.partners import interviews_end_for_leavers_preview

    return interviews_end_for_leavers_preview(employee_ids=employee_ids)
