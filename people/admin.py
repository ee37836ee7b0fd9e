"""The admin: users, roles, units, imports and failed deliveries, and metadata only of the rest.

What two people wrote for their talk is theirs (PRODUCT.md, confidentiality): every admin
here is a MetadataAdmin, which shows, searches, sorts and filters none of a model's
`content_fields`, and answers a lookup in the URL only where one of its own filters would
send it, so that `?development__regex=^My` is refused rather than answered with a count.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core import checks
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.audit import audit
from people.forms import SEARCH_MAX_LENGTH, AdminPartnerForm
from people.generations import homes_renew_all
from people.models import (
    ApiToken,
    AuditEntry,
    HRRole,
    OrgImport,
    OrgUnit,
    ReminderDelivery,
    ReportingLine,
    ScimIdentity,
    User,
)
from people.services import reporting_line_change, units_rebuild_paths

# What a change list's own filters and date hierarchy put in its URL after a field's name:
# equality, emptiness and ranges, never a pattern that could test a text letter by letter.
FILTER_SUFFIXES = (
    "exact",
    "isnull",
    "in",
    "gte",
    "gt",
    "lte",
    "lt",
    "id__exact",
    "pk__exact",
)
# The date hierarchy's parts, and the values Django's own code can turn into dates.
DATE_PARTS = {"year": (1, 9998), "month": (1, 12), "day": (1, 31)}


def content_fields_of(model) -> frozenset[str]:
    """The fields of a model that hold what people wrote (declared on the model)."""
    return frozenset(getattr(model, "content_fields", ()))


class MetadataAdmin(admin.ModelAdmin):
    """A ModelAdmin that cannot be made to show, or to answer questions about, content."""

    def lookup_allowed(self, lookup, value, request=None):
        if lookup not in self.filter_parameters(request):
            return False
        field, _sep, part = lookup.rpartition("__")
        if field == self.date_hierarchy and part in DATE_PARTS:
            # Django computes the end of the year (month, day) outside its own error handling:
            # year 9999 or day 40 would be a 500.
            low, high = DATE_PARTS[part]
            return str(value).isdigit() and low <= int(value) <= high
        return True

    def filter_parameters(self, request) -> set[str]:
        """The URL parameters this change list's filters and date hierarchy send; no others."""
        allowed: set[str] = set()
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                allowed.add(item.parameter_name)
                continue
            path = item[0] if isinstance(item, (list, tuple)) else item
            if isinstance(path, str):
                allowed.add(path)
                allowed.update(f"{path}__{suffix}" for suffix in FILTER_SUFFIXES)
        if self.date_hierarchy:
            allowed.update(f"{self.date_hierarchy}__{part}" for part in DATE_PARTS)
        return allowed

    def get_search_results(self, request, queryset, search_term):
        # A search is for a name, an address or a number: a megabyte of it is only load
        # (and too long a pattern for SQLite).
        return super().get_search_results(request, queryset, search_term[:SEARCH_MAX_LENGTH])

    def get_fields(self, request, obj=None):
        hidden = content_fields_of(self.model)
        return [field for field in super().get_fields(request, obj) if field not in hidden]

    def get_exclude(self, request, obj=None):
        # Forms never carry a content field, even where no `fields` are declared.
        return [*(super().get_exclude(request, obj) or ()), *content_fields_of(self.model)]

    def check(self, **kwargs):
        """`manage.py check` (and CI) fails if an admin names a content field anywhere."""
        errors = super().check(**kwargs)
        hidden = content_fields_of(self.model)
        fieldsets = [name for _title, options in self.fieldsets or () for name in options.get("fields", ())]
        # A column drawn by a method sorts by what it names as its admin_order_field.
        order_fields = [
            getattr(getattr(self, name, None) or name, "admin_order_field", None)
            for name in self.list_display
            if callable(name) or hasattr(self, str(name))
        ]
        declared = {
            "list_display": self.list_display,
            "list_editable": self.list_editable,
            "fieldsets": [n for n in fieldsets if isinstance(n, str)],
            "admin_order_field": [f for f in order_fields if f],
            "list_display_links": self.list_display_links or (),
            "list_filter": [f[0] if isinstance(f, (list, tuple)) else f for f in self.list_filter],
            "search_fields": [f.lstrip("^=@") for f in self.search_fields],
            "ordering": [str(f).lstrip("-") for f in self.ordering or ()],
            "sortable_by": self.sortable_by or (),
            "fields": self.fields or (),
            "readonly_fields": self.readonly_fields,
            "date_hierarchy": [self.date_hierarchy] if self.date_hierarchy else [],
        }
        for option, names in declared.items():
            for name in names:
                if not isinstance(name, str):
                    continue
                root = name.split("__")[0]
                if root in hidden or self._reaches_content(name):
                    errors.append(
                        checks.Error(
                            f"{option} names {name!r}, which holds what people wrote.",
                            hint="The admin shows metadata only (PRODUCT.md, confidentiality).",
                            obj=self.__class__,
                            id="people.E001",
                        )
                    )
        return errors

    def _reaches_content(self, path: str) -> bool:
        """Whether a lookup path such as interview__note ends on another model's content."""
        model = self.model
        for part in path.split("__"):
            try:
                field = model._meta.get_field(part)
            except Exception:  # noqa: BLE001 - a lookup name or a callable: not a field
                return False
            if part in content_fields_of(model):
                return True
            if not field.is_relation or field.related_model is None:
                return False
            model = field.related_model
        return False


class ReadOnlyAdmin(MetadataAdmin):
    """Seen, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """An administrator setting somebody's password is written to the audit log, and the
    person is told by email: with it the administrator could sign in as them."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        audit("password_set_by_administrator", obj=user)
        from people.notify import password_set_notice

        password_set_notice(user)
        return user


# Changes to these decide what a person may open; each is written to the audit log.
ACCESS_FIELDS = ("email", "is_active", "is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(MetadataAdmin, BaseUserAdmin):
    change_password_form = AuditedPasswordChangeForm
    ordering = ["family_name", "given_name"]
    list_display = ["email", "employee_number", "given_name", "family_name", "job_kind", "unit", "is_active"]
    list_filter = ["job_kind", "is_active", "is_staff", "language"]
    search_fields = ["email", "employee_number", "given_name", "family_name"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            gettext_lazy("Person"),
            {"fields": ("employee_number", "given_name", "family_name", "job_kind", "unit", "language")},
        ),
        (
            gettext_lazy("Access"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (gettext_lazy("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),
    )

    def save_model(self, request, obj, form, change):
        changed = [name for name in ACCESS_FIELDS if name in form.changed_data]
        old_email = form.initial.get("email") if change else None
        super().save_model(request, obj, form, change)
        if form.changed_data:
            # Other people's home pages name this person (a manager's to-do list): kept copies go.
            homes_renew_all()
        if old_email and old_email.lower() != obj.email.lower():
            # With a new address a password reset goes there: the old address hears of it.
            from people.notify import email_changed_notice

            email_changed_notice(obj, old_email=old_email)
        if not change:
            audit("user_created_by_administrator", obj=obj)
        elif changed:
            audit("user_access_changed", obj=obj, detail=" ".join(changed))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        homes_renew_all()  # their reporting lines went with them: their partner's count changed

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        homes_renew_all()


class OrgUnitAdminForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["code", "name", "parent", "head"]

    def clean_parent(self):
        # The parent's own path names every unit above it (kept by units_rebuild_paths).
        parent = self.cleaned_data.get("parent")
        if parent is not None and self.instance.pk in parent.ancestor_ids():
            raise forms.ValidationError(_("A unit cannot lie below itself; choose another parent unit."))
        return parent


@admin.register(OrgUnit)
class OrgUnitAdmin(MetadataAdmin):
    form = OrgUnitAdminForm
    list_display = ["code", "name", "parent", "head", "depth"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "head"]
    raw_id_fields = ["parent", "head"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A new or moved unit changes the materialised paths of its subtree.
        units_rebuild_paths()


@admin.register(ReportingLine)
class ReportingLineAdmin(MetadataAdmin):
    """History of who holds whose interview. A line is never edited here: "add" changes a
    person's partner through the same service as HR's page, so their open interviews move
    with it and the old partner's preparation and notes go (people.services)."""

    list_display = ["employee", "partner", "kind", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = [
        "employee__email",
        "employee__employee_number",
        "partner__email",
        "partner__employee_number",
    ]
    list_select_related = ["employee", "partner"]
    readonly_fields = ["employee", "partner", "kind", "valid_from", "valid_to", "created_at"]
    fields = readonly_fields
    date_hierarchy = "valid_from"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AdminPartnerForm(request.POST or None)
        if request.method == "POST" and form.is_valid() and form.cleaned_data["partner"] == request.user:
            # Administering the system is not holding somebody's talk: that is HR's to decide.
            form.add_error(
                "partner", _("You cannot make yourself somebody's interview partner here; ask HR.")
            )
        if request.method == "POST" and form.is_valid():
            try:
                reporting_line_change(
                    employee=form.cleaned_data["employee"],
                    partner=form.cleaned_data["partner"],
                    kind=form.cleaned_data["kind"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    _("The interview partner of %(name)s was changed.")
                    % {"name": form.cleaned_data["employee"]},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:people_reportingline_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Change a person's interview partner"),
            "form": form,
        }
        return TemplateResponse(request, "admin/people/reportingline/change_partner.html", context)


@admin.register(HRRole)
class HRRoleAdmin(MetadataAdmin):
    list_display = ["user", "whole_organisation"]
    raw_id_fields = ["user"]
    filter_horizontal = ["units"]

    # Who is HR decides who sees the figures (and, where a cycle archives them, the signed
    # summaries): every change is in the audit log.
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        audit("hr_role_saved", obj=form.instance.user, detail=f"whole={form.instance.whole_organisation}")

    def delete_model(self, request, obj):
        audit("hr_role_removed", obj=obj.user)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for role in queryset.select_related("user"):
            audit("hr_role_removed", obj=role.user)
        super().delete_queryset(request, queryset)


@admin.register(OrgImport)
class OrgImportAdmin(MetadataAdmin):
    list_display = ["created_at", "created_by", "status", "units_filename", "people_filename"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in OrgImport._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(MetadataAdmin):
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
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the log is searched here and on the audit page, never edited."""

    list_display = ["at", "actor_email", "action", "object_type", "object_id", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_email", "action", "object_type", "object_id", "ip"]
    date_hierarchy = "at"


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens are made and revoked on their own page (/hr/tokens/), where the token is shown
    once; here they are only listed. The digest is never shown."""

    list_display = [
        "name",
        "prefix",
        "scopes",
        "whole_organisation",
        "created_by",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["whole_organisation"]
    search_fields = ["name", "prefix"]
    exclude = ["digest"]
    readonly_fields = [
        "name",
        "prefix",
        "scopes",
        "whole_organisation",
        "units",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "revoked_by",
        "last_used_at",
    ]


@admin.register(ScimIdentity)
class ScimIdentityAdmin(ReadOnlyAdmin):
    list_display = ["person", "user_name", "external_id", "created_at", "deleted_at"]
    search_fields = ["user_name", "external_id"]
    readonly_fields = ["person", "user_name", "external_id", "created_at", "updated_at", "deleted_at"]
