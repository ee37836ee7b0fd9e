import datetime
import secrets

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from people import audit_log
from people.mail import site_url
from people.models import WHOLE_ORGANISATION_SCOPES, ApiScope, OrgUnit, ReportingLine, User
from people.selectors import is_hr_for_whole_organisation, today, units_visible_to_hr
from people.services import TOKEN_MAX_DAYS
from people.tasks import queue_email

MAX_IMPORT_BYTES = 20 * 1024 * 1024
# No real password is longer; a longer one would only make the server hash megabytes.
MAX_PASSWORD_LENGTH = 4096


# No name, address or number is longer; a longer search would only load the database.
SEARCH_MAX_LENGTH = 100
# A browser's date picker, which sends (and is given back) the day as 2027-01-31.
DATE_INPUT = {"type": "date"}


def form_errors_as_messages(request, form) -> None:
    """A refused form's errors as messages above the page, each with its field's label, for
    forms that are posted from a page and answered with a redirect back to it."""
    from django.contrib import messages

    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


def search_query(request) -> str:
    """The page's search words (?q=), cut to SEARCH_MAX_LENGTH with a message saying so."""
    query = request.GET.get("q", "").strip()
    if len(query) > SEARCH_MAX_LENGTH:
        from django.contrib import messages

        messages.warning(
            request,
            _("A search is at most %(max)d characters long; the first %(max)d were searched for.")
            % {"max": SEARCH_MAX_LENGTH},
        )
        query = query[:SEARCH_MAX_LENGTH].strip()
    return query


class LoginForm(AuthenticationForm):
    """Django's login form, refusing a password no person types before it is hashed.

    The address itself is looked up in lower case and cut to an address's length where every
    login form meets it (UserManager.get_by_natural_key, and login_throttle_username for
    django-axes), the admin's included.
    """

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["password"].validators.append(MaxLengthValidator(MAX_PASSWORD_LENGTH))


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the email sent by a Celery task in the user's language."""

    def get_users(self, email):
        # Django leaves out accounts without a usable password, as if they signed in
        # elsewhere. Here nobody does: imported people have no password yet, and this link
        # is how they choose their first one.
        return User.objects.with_email(email).filter(is_active=True)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context.get("user")
        language = getattr(user, "language", None) or translation.get_language()
        # The link on SITE_URL, like every other email's, never on the host the request
        # came in on (a forged Host header must not make the link point elsewhere).
        path = reverse("password_reset_confirm", args=[context["uid"], context["token"]])
        context = {**context, "reset_url": site_url(path)}
        with translation.override(language):
            subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
            body = loader.render_to_string(email_template_name, context)
        message = {"subject": subject, "body": body, "to": [to_email], "language": language}
        transaction.on_commit(lambda: queue_email(**message))


def person_by_number_or_email(value: str) -> User | None:
    """The person with this employee number or email address (in any capitalisation)."""
    if not value:
        return None
    return User.objects.filter(employee_number=value).first() or User.objects.with_email(value).first()


class PartnerChangeForm(forms.Form):
    partner = forms.CharField(
        label=_("New interview partner"),
        required=False,
        max_length=254,
        help_text=_("Employee number or email address. Leave empty to leave the person without a partner."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of partner"), choices=[("", "—")] + ReportingLine.Kind.choices, required=False
    )
    # The line the HR user saw; a change made meanwhile by someone else is not overwritten.
    based_on = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, employee: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.employee = employee
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Change partner")))

    def clean_partner(self):
        value = self.cleaned_data["partner"].strip()
        if not value:
            return None
        partner = person_by_number_or_email(value)
        if partner is None:
            raise forms.ValidationError(
                _("Nobody has the employee number or email %(value)s."), params={"value": value}
            )
        return partner

    def clean(self):
        data = super().clean()
        if data.get("partner") and not data.get("kind"):
            self.add_error("kind", _("Choose what kind of partner this is."))
        return data


class AdminPartnerForm(PartnerChangeForm):
    """The admin's way to change somebody's partner: the same form and service as HR's page,
    with the person named too."""

    employee = forms.CharField(
        label=_("Person"), max_length=254, help_text=_("Employee number or email address.")
    )
    field_order = ["employee", "partner", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, employee=None, **kwargs)
        del self.fields["based_on"]
        self.helper = None

    def clean_employee(self):
        value = self.cleaned_data["employee"].strip()
        person = person_by_number_or_email(value)
        if person is None:
            raise forms.ValidationError(
                _("Nobody has the employee number or email %(value)s."), params={"value": value}
            )
        return person


class ImportForm(forms.Form):
    units_file = forms.FileField(
        label=_("Units file"),
        required=False,
        help_text=_(
            "CSV, Excel (.xlsx) or JSON with the columns code, name, parent_code and optionally "
            "head_employee_number."
        ),
    )
    people_file = forms.FileField(
        label=_("People file"),
        required=False,
        help_text=_(
            "CSV, Excel (.xlsx) or JSON with the columns employee_number, given_name, family_name, email, job_kind, "
            "unit_code, partner_employee_number, partner_kind and optionally language."
        ),
    )

    whole_organisation = forms.BooleanField(
        label=_("The people file lists the whole organisation"),
        required=False,
        help_text=_(
            "People missing from it have left: they are deactivated and their open interviews end "
            "as excused. Without this, people missing from the file stay as they are."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Check the files")))

    def _clean_file(self, name):
        upload = self.cleaned_data.get(name)
        if upload and upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload

    def clean_units_file(self):
        return self._clean_file("units_file")

    def clean_people_file(self):
        return self._clean_file("people_file")

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("units_file") and not data.get("people_file"):
            raise forms.ValidationError(_("Choose a units file, a people file or both."))
        if data.get("whole_organisation") and not data.get("people_file"):
            self.add_error(
                "whole_organisation", _("The whole organisation is read from a people file; choose one.")
            )
        return data


class AuditSearchForm(forms.Form):
    """Filters for the audit log; every field optional. A filter that does not hold is said
    beside its field and nothing is searched for (the page shows no entries)."""

    who = forms.CharField(
        label=_("Who"), required=False, max_length=254, help_text=_("A name or an email address.")
    )
    action = forms.ChoiceField(label=_("What"), required=False, choices=audit_log.action_choices)
    object_type = forms.ChoiceField(label=_("Object"), required=False, choices=audit_log.object_type_choices)
    object = forms.CharField(
        label=_("Number or name"),
        required=False,
        max_length=100,
        help_text=_("Optional: e.g. 42, or a person's name."),
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(DATE_INPUT, format="%Y-%m-%d")
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(DATE_INPUT, format="%Y-%m-%d")
    )

    def clean(self):
        data = super().clean()
        if data.get("object") and not data.get("object_type"):
            self.add_error("object", _("Choose the kind of object as well, then search again."))
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error(
                "until", _("The period ends before it starts: choose a day on or after the first.")
            )
        return data


class UnitChoiceField(forms.ModelMultipleChoiceField):
    """Units by id, answering an id no database column holds as a wrong choice (SQLite
    cannot even compare a number beyond 64 bits: Django's own check would end in a 500)."""

    def _check_values(self, value):
        for pk in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(pk, str) and pk.strip().lstrip("-").isdigit() and abs(int(pk)) >= 2**63:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)

    def label_from_instance(self, unit):
        # The tree's shape in a plain list: each unit under its parent, indented by its depth.
        return "\u00a0\u00a0" * unit.depth + f"{unit.name} ({unit.code})"


class ApiTokenForm(forms.Form):
    """A token for an integration. The form checks the input; what the person may give a
    token (its scopes, its units, its life) is for api_token_create to say."""

    name = forms.CharField(
        label=_("Integration"),
        max_length=100,
        help_text=_("What the token is for, as it will show in the list and the audit log: e.g. HR system."),
        error_messages={"required": _("Name the integration the token is for.")},
    )
    scopes = forms.MultipleChoiceField(
        label=_("What it may do"),
        widget=forms.CheckboxSelectMultiple,
        choices=ApiScope.choices,
        error_messages={"required": _("Choose what the token may do.")},
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=forms.DateInput(DATE_INPUT, format="%Y-%m-%d"),
        help_text=_("The token stops working at the start of this day. Make a new one before then."),
    )
    whole_organisation = forms.BooleanField(
        label=_("The whole organisation"),
        required=False,
        help_text=_(
            "The token sees every unit and person. Importing and provisioning over SCIM need this; "
            "otherwise choose its units below."
        ),
    )
    units = UnitChoiceField(
        label=_("Units"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_(
            "The units the token sees, each with its sub-units. On a computer, hold Ctrl (or Cmd) to choose more than one."
        ),
        error_messages={
            "invalid_choice": _("Choose among the units listed: %(value)s is not one of them."),
            "invalid_pk_value": _("Choose among the units listed: “%(pk)s” is not one of them."),
        },
    )

    # This form's own mark: sent again (the new token's page reloaded, a double click), it
    # makes no second token (see people.views.token_create).
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    # What it may do, then what it sees, then for how long.
    field_order = ["name", "scopes", "whole_organisation", "units", "expires_on"]
    # A quarter: long enough that renewing is rare, short enough that a forgotten token dies.
    DEFAULT_DAYS = 90

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = today() + datetime.timedelta(days=self.DEFAULT_DAYS)
        self.fields["request_key"].initial = secrets.token_urlsafe(16)
        self.fields["expires_on"].widget.attrs.update(
            min=(today() + datetime.timedelta(days=1)).isoformat(),
            max=(today() + datetime.timedelta(days=TOKEN_MAX_DAYS)).isoformat(),
        )
        units = OrgUnit.objects.all() if user.is_staff else units_visible_to_hr(user)
        self.fields["units"].queryset = units
        self.fields["units"].widget.attrs["size"] = 8
        if not (user.is_staff or is_hr_for_whole_organisation(user)):
            # HR for some units give tokens that see those units, and so neither import
            # nor provision, which change the whole organisation.
            del self.fields["whole_organisation"]
            self.fields["scopes"].choices = [
                (value, label) for value, label in ApiScope.choices if value not in WHOLE_ORGANISATION_SCOPES
            ]
        self.fields["scopes"].choices = [
            (value, f"{label} ({value})") for value, label in self.fields["scopes"].choices
        ]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Make the token")))
