from django.contrib import admin

from interviews.models import Cycle, Interview, InterviewRecord, LocalGuideline, PrepForm


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "opens_on", "closes_on", "frequency", "archive_for_hr"]
    list_filter = ["state", "frequency"]
    search_fields = ["name"]
    filter_horizontal = ["units"]
    readonly_fields = ["created_by", "created_at", "launched_at", "closed_at", "version"]


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ["employee", "partner", "cycle", "state", "starts_at"]
    list_filter = ["state", "cycle"]
    search_fields = ["employee__email", "employee__family_name", "partner__email", "partner__family_name"]
    list_select_related = ["employee", "partner", "cycle"]
    raw_id_fields = ["employee", "partner", "unit", "cycle"]
    readonly_fields = ["ics_uid", "ics_sequence", "version", "created_at", "updated_at"]


@admin.register(PrepForm)
class PrepFormAdmin(admin.ModelAdmin):
    """Status only: what the parties wrote is theirs, and never shown here (PRODUCT.md, confidentiality)."""

    list_display = ["interview", "role", "state", "shared_at", "updated_at"]
    list_filter = ["state", "role"]
    fields = ["interview", "role", "author", "state", "shared_at", "updated_at", "version"]
    readonly_fields = fields
    list_select_related = ["interview__employee", "interview__cycle"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LocalGuideline)
class LocalGuidelineAdmin(admin.ModelAdmin):
    list_display = ["unit", "updated_at"]
    raw_id_fields = ["unit"]
    readonly_fields = ["version"]


@admin.register(InterviewRecord)
class InterviewRecordAdmin(admin.ModelAdmin):
    """Status only: what the two agreed is theirs and is never shown here (PRODUCT.md, confidentiality)."""

    list_display = ["interview", "number", "manager_signed_at", "employee_signed_at", "locked_at"]
    fields = ["interview", "number", "manager_signed_at", "employee_signed_at", "locked_at", "content_hash"]
    readonly_fields = fields
    list_select_related = ["interview__employee", "interview__cycle"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
