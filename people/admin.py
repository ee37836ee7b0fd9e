from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from people.models import AuditEntry, HRRole, OrgImport, OrgUnit, ReminderDelivery, ReportingLine, User
from people.services import units_rebuild_paths


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["family_name", "given_name"]
    list_display = ["email", "employee_number", "given_name", "family_name", "job_kind", "unit", "is_active"]
    list_filter = ["job_kind", "is_active", "is_staff", "language"]
    search_fields = ["email", "employee_number", "given_name", "family_name"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Person"),
            {"fields": ("employee_number", "given_name", "family_name", "job_kind", "unit", "language")},
        ),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),
    )


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "head", "depth"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "head"]
    raw_id_fields = ["parent", "head"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A new or moved unit changes the materialised paths of its subtree.
        units_rebuild_paths()


@admin.register(ReportingLine)
class ReportingLineAdmin(admin.ModelAdmin):
    list_display = ["employee", "partner", "kind", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = [
        "employee__email",
        "employee__employee_number",
        "partner__email",
        "partner__employee_number",
    ]
    list_select_related = ["employee", "partner"]
    raw_id_fields = ["employee", "partner"]
    date_hierarchy = "valid_from"


@admin.register(HRRole)
class HRRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "whole_organisation"]
    raw_id_fields = ["user"]
    filter_horizontal = ["units"]


@admin.register(OrgImport)
class OrgImportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "created_by", "status", "units_filename", "people_filename"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in OrgImport._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(admin.ModelAdmin):
    """Reminders sent and failed: a failed one shows here with its error once its retries are spent."""

    list_display = ["created_at", "kind", "recipient", "occasion", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient__email", "about"]
    list_select_related = ["recipient"]
    readonly_fields = [
        "kind",
        "about",
        "occasion",
        "recipient",
        "subject",
        "attempts",
        "claimed_at",
        "sent_at",
        "last_error",
        "created_at",
    ]
    fields = [*readonly_fields, "status"]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is searched here and on the audit page, never edited."""

    list_display = ["at", "actor_email", "action", "object_type", "object_id", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_email", "action", "object_type", "object_id", "ip"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
