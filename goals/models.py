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


class AgreedAction(models.Model):
    """Something the two agreed to do, followed up until it is done, dropped or reviewed.

    It points at the record it came from by model label and id, so that goals knows
    nothing of interviews (STYLE.md).
    """

    content_fields = ("what", "standard")

    class OwnerKind(models.TextChoices):
        EMPLOYEE = "employee", _("The employee")
        MANAGER = "manager", _("The manager")
        OTHER = "other", _("Another person")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    source_model = models.CharField(max_length=100)
    source_id = models.PositiveBigIntegerField()
    # Whose interview it came from: the employee sees it among "their" actions whoever owns it.
    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Who held that interview with them: with the employee, the two parties of the record it
    # came from. A later partner of the employee is neither (PRODUCT.md, confidentiality).
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_kind = models.CharField(_("who does it"), max_length=10, choices=OwnerKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="agreed_actions",
    )
    what = models.TextField(_("what"), max_length=2000)
    due_on = models.DateField(_("by when"))
    standard = models.TextField(_("how we will know it is done"), max_length=2000)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    position = models.PositiveSmallIntegerField(default=0)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agreed action")
        verbose_name_plural = _("agreed actions")
        ordering = ["source_model", "source_id", "position", "pk"]
        indexes = [
            models.Index(fields=["source_model", "source_id"]),
            models.Index(fields=["owner", "status", "due_on"]),
            # The few open actions among years of finished ones: HR's dashboard counts these.
            models.Index(
                fields=["source_id", "due_on"],
                condition=models.Q(status__in=["open", "in_progress"]),
                name="goals_action_open_idx",
            ),
        ]

    def __str__(self) -> str:
        # Not the text: lists and the admin name an action without showing what was agreed.
        return f"#{self.pk} ({self.get_status_display()}, {self.due_on})"


class ActionProgressNote(models.Model):
    content_fields = ("text",)

    action = models.ForeignKey(AgreedAction, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"), max_length=2000)
    status_after = models.CharField(max_length=12, choices=AgreedAction.Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.created_at:%Y-%m-%d})"
