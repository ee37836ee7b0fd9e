from django.contrib import admin

from goals.models import UnitGoal


@admin.register(UnitGoal)
class UnitGoalAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "period_start", "period_end"]
    list_filter = ["period_start"]
    search_fields = ["title", "unit__name", "unit__code"]
    raw_id_fields = ["unit", "created_by"]
