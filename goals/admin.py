from django.contrib import admin

from goals.models import AgreedAction, UnitGoal
from goals.selectors import UNIT_GOALS
from people.admin import MetadataAdmin, ReadOnlyAdmin
from people.generations import generation_renew


@admin.register(UnitGoal)
class UnitGoalAdmin(MetadataAdmin):
    list_display = ["title", "unit", "period_start", "period_end"]
    list_filter = ["period_start"]
    search_fields = ["title", "unit__name", "unit__code"]
    raw_id_fields = ["unit", "created_by"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The prep forms read goals through a kept read (people/generations.py).
        generation_renew(UNIT_GOALS)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        generation_renew(UNIT_GOALS)


@admin.register(AgreedAction)
class AgreedActionAdmin(ReadOnlyAdmin):
    """Owner, due date and status only: what was agreed belongs to the two parties."""

    list_display = ["pk", "owner", "due_on", "status"]
    list_filter = ["status"]
    fields = ["owner", "owner_kind", "due_on", "status", "reviewed_at", "created_at", "updated_at"]
    readonly_fields = fields
    list_select_related = ["owner"]
