from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = _("Goals and agreed actions")

    def ready(self):
        from goals.selectors import audit_object_kinds_register

        # The audit log (people) names goals and actions through this, knowing nothing of goals.
        audit_object_kinds_register()
