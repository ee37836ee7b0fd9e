from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class UnitGoal(models.Model):
    """A goal of a unit for a period; shown on the prep forms of everyone in the unit and below it."""

    unit = models.ForeignKey(
        "people.OrgUnit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="goals"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"), null=True, blank=True, help_text=_("Leave empty for no end."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("unit goal")
        verbose_name_plural = _("unit goals")
        ordering = ["unit__path", "period_start", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gte=F("period_start")),
                name="unitgoal_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title
