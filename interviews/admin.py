"""Cycles and guidelines are kept here; interviews, prep forms and records are shown as
metadata only: who, when, which state. What the two parties wrote never appears, and who
the parties are is never edited here (a partner changes through the reporting line, in
people's admin or on HR's page, so that the interview's content follows the rules)."""

from django.contrib import admin

from interviews.models import Cycle, Interview, InterviewRecord, LocalGuideline, PrepForm
from interviews.selectors import GUIDELINES
from people.admin import MetadataAdmin, ReadOnlyAdmin
from people.audit import audit
from people.generations import generation_renew, homes_renew_all


@admin.register(Cycle)
class CycleAdmin(MetadataAdmin):
    list_display = ["name", "state", "opens_on", "closes_on", "frequency", "archive_for_hr"]
    list_filter = ["state", "frequency"]
    search_fields = ["name"]
    filter_horizontal = ["units"]
    readonly_fields = ["state", "created_by", "created_at", "launched_at", "closed_at", "version"]

    def get_readonly_fields(self, request, obj=None):
        # A cycle is launched and closed by HR's services. Once launched, whether HR reads its
        # signed summaries was decided for the talks held under it; who takes part, likewise.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.state != Cycle.State.DRAFT:
            fields += ["archive_for_hr", "units"]
        return fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            homes_renew_all()  # home pages name the cycle of each talk
            audit("cycle_changed_by_administrator", obj=obj, detail=" ".join(sorted(form.changed_data))[:300])


@admin.register(Interview)
class InterviewAdmin(ReadOnlyAdmin):
    list_display = ["employee", "partner", "cycle", "state", "starts_at"]
    list_filter = ["state", "cycle"]
    search_fields = ["employee__email", "employee__family_name", "partner__email", "partner__family_name"]
    list_select_related = ["employee", "partner", "cycle"]
    fields = [
        "cycle",
        "employee",
        "partner",
        "unit",
        "state",
        "starts_at",
        "duration_minutes",
        "employee_shared",
        "manager_shared",
        "ics_uid",
        "ics_sequence",
        "version",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields


@admin.register(PrepForm)
class PrepFormAdmin(ReadOnlyAdmin):
    """Status only: what the parties wrote is theirs, and never shown here (PRODUCT.md, confidentiality)."""

    list_display = ["interview", "role", "state", "shared_at", "updated_at"]
    list_filter = ["state", "role"]
    fields = ["interview", "role", "author", "state", "shared_at", "updated_at", "version"]
    readonly_fields = fields
    list_select_related = ["interview__employee", "interview__cycle"]


@admin.register(LocalGuideline)
class LocalGuidelineAdmin(MetadataAdmin):
    list_display = ["unit", "updated_at"]
    raw_id_fields = ["unit"]
    readonly_fields = ["version"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The prep forms read guidelines through a kept read (people/generations.py).
        generation_renew(GUIDELINES)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        generation_renew(GUIDELINES)


@admin.register(InterviewRecord)
class InterviewRecordAdmin(ReadOnlyAdmin):
    """Status only: what the two agreed is theirs and is never shown here (PRODUCT.md, confidentiality)."""

    list_display = ["interview", "number", "manager_signed_at", "employee_signed_at", "locked_at"]
    fields = ["interview", "number", "manager_signed_at", "employee_signed_at", "locked_at", "content_hash"]
    readonly_fields = fields
    list_select_related = ["interview__employee", "interview__cycle"]
