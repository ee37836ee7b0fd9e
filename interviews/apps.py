from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterviewsConfig(AppConfig):
    name = "interviews"
    verbose_name = _("Interviews")

    def ready(self):
        from people.signals import partners_changed

        # people cannot call interviews (dependencies run one way), so it announces the
        # change and open interviews follow the new partner in the same transaction.
        partners_changed.connect(_follow_partners, dispatch_uid="interviews.follow_partners")


def _follow_partners(sender, employee_ids, **kwargs):
    from interviews.partners import interviews_follow_partners

    interviews_follow_partners(employee_ids=employee_ids)
