from django.contrib import admin

from goals.models import AgreedAction, UnitGoal


@admin.register(UnitGoal)
class UnitGoalAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "period_start", "period_end"]
    list_filter = ["period_start"]
    search_fields = ["title", "unit__name", "unit__code"]
    raw_id_fields = ["unit", "created_by"]


@admin.register(AgreedAction)
class AgreedActionAdmin(admin.ModelAdmin):
    """Owner, due date and status only: what was agreed belongs to the two parties."""

    list_display = ["pk", "owner", "due_on", "status"]
    list_filter = ["status"]
    fields = ["owner", "owner_kind", "due_on", "status", "reviewed_at", "created_at", "updated_at"]
    readonly_fields = fields
    list_select_related = ["owner"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
