import datetime
import zoneinfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from goals.forms import DateInput
from goals.models import UnitGoal
from interviews import calendar_rules
from interviews.models import Cycle, Interview
from interviews.services import scheduling_problems
from people.forms import person_by_number_or_email
from people.models import OrgUnit


class UnitsField(forms.ModelMultipleChoiceField):
    """Choice of units that answers an id beyond 64 bits as a wrong choice.

    SQLite cannot even compare such a number, so Django's own check would end in a 500.
    """

    def _check_values(self, value):
        for pk in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(pk, str) and pk.strip().lstrip("-").isdigit() and abs(int(pk)) >= 2**63:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


class UnitTreeWidget(forms.CheckboxSelectMultiple):
    """The units as an indented tree of checkboxes, each under its parent and siblings by
    name. interviews/_unit_tree.html draws it, with the search box static/js/unit_tree.js
    works; without JavaScript the whole tree shows and every checkbox still works.
    """

    MAX_INDENT = 5  # the deepest .tree-level-N in app.css

    def optgroups(self, name, value, attrs=None):
        options = [
            option for _group, group, _index in super().optgroups(name, value, attrs) for option in group
        ]
        units = {option["value"].instance.pk: option["value"].instance for option in options}
        names = {pk: unit.name.casefold() for pk, unit in units.items()}

        def place(option):
            unit = option["value"].instance
            # The path's ids, from the top; ones above what this person may choose from
            # (scoped HR) have no name here and sort by id, which keeps the subtrees apart.
            ids = [int(pk) for pk in unit.path.strip("/").split("/") if pk.isdigit()] or [unit.pk]
            return [(names.get(pk, ""), pk) for pk in ids]

        places = {id(option): place(option) for option in options}
        top = min((len(key) for key in places.values()), default=1)
        options.sort(key=lambda option: places[id(option)])
        for option in options:
            unit = option["value"].instance
            option["depth"] = min(len(places[id(option)]) - top, self.MAX_INDENT)
            option["unit"] = unit
            option["search"] = f"{unit.name} {unit.code}".casefold()
        return [(None, [option], index) for index, option in enumerate(options)]


class CycleForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Cycle
        fields = [
            "name",
            "units",
            "opens_on",
            "closes_on",
            "frequency",
            "min_notice_days",
            "min_length_minutes",
            "prep_reminder_days",
            "archive_for_hr",
        ]
        field_classes = {"units": UnitsField}
        widgets = {
            "opens_on": DateInput(),
            "closes_on": DateInput(),
            "units": UnitTreeWidget(attrs={"class": "form-check-input"}),
        }

    def __init__(self, *args, units_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = (
            units_queryset if units_queryset is not None else OrgUnit.objects.all()
        )
        self.fields["units"].help_text = _(
            "Tick the units whose people take part; each unit includes its sub-units."
        )
        self.fields["min_length_minutes"].min_value = 15
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *(
                Field(name, template="interviews/_unit_tree.html") if name == "units" else name
                for name in self.fields
            )
        )
        self.helper.add_input(Submit("submit", _("Save the cycle")))

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes <= opens:
            self.add_error("closes_on", _("The cycle must close after it opens."))
        elif opens and closes and (closes - opens).days > 731:
            # A yearly cycle with room to spare; a longer one is a typing slip, and its
            # progress page would count every week of it.
            self.add_error("closes_on", _("A cycle lasts at most two years; check the closing date."))
        if data.get("min_length_minutes") is not None and data["min_length_minutes"] < 15:
            self.add_error("min_length_minutes", _("A meeting of less than 15 minutes is no interview."))
        return data

    def _post_clean(self):
        # The service validates and saves; the form only checks input.
        pass


def local_datetime(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """The aware moment of a wall-clock time in the organisation's zone.

    Raises ValueError for a time that does not exist that day (the hour skipped when
    clocks go forward); an hour that happens twice is taken the first time.
    """
    tz = timezone.get_default_timezone()
    naive = datetime.datetime.combine(day, time)
    aware = naive.replace(tzinfo=tz, fold=0)
    # A skipped wall time does not survive the round trip through UTC.
    if aware.astimezone(datetime.UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise ValueError("nonexistent local time")
    return aware


class ScheduleForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(label=_("Length (minutes)"), min_value=15, max_value=480)
    place = forms.CharField(
        label=_("Place or video link"),
        max_length=500,
        required=False,
        help_text=_("A room, an address or a meeting link."),
    )
    note = forms.CharField(
        label=_("Note to the employee"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=Interview.NOTE_MAX_LENGTH,
        help_text=_(
            "Goes into the calendar invitation and the email to both of you, as you write it here (at most "
            "2,000 characters). Keep what is for the talk itself for the preparation and the record."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, interview: Interview, **kwargs):
        super().__init__(*args, **kwargs)
        self.interview = interview
        cycle = interview.cycle
        # The browser offers only what the rules allow, and the page states them beside the
        # form; the service checks them all again.
        self.earliest_day = calendar_rules.earliest_meeting_day(cycle)
        self.working_days = calendar_rules.working_days_text()
        self.working_hours = calendar_rules.working_hours_text()
        self.fields["date"].widget.attrs.update(
            min=self.earliest_day.isoformat(), max=cycle.closes_on.isoformat()
        )
        opens, closes = calendar_rules.working_hours()
        day = datetime.date(2000, 1, 3)
        latest_start = datetime.datetime.combine(day, closes) - datetime.timedelta(
            minutes=cycle.min_length_minutes
        )
        latest_start = max(latest_start, datetime.datetime.combine(day, opens))
        self.fields["time"].widget.attrs.update(
            min=opens.strftime("%H:%M"), max=latest_start.strftime("%H:%M"), step=300
        )
        # The cycle's least length replaces the field's general one (clean_duration_minutes).
        length = self.fields["duration_minutes"]
        length.min_value = cycle.min_length_minutes
        length.validators = [v for v in length.validators if not isinstance(v, MinValueValidator)]
        length.widget.attrs["min"] = cycle.min_length_minutes
        self.helper = FormHelper()
        label = (
            _("Move the meeting") if interview.state == Interview.State.SCHEDULED else _("Book the meeting")
        )
        self.helper.add_input(Submit("submit", label))

    def clean_date(self):
        day = self.cleaned_data["date"]
        # Far outside any cycle, and at the ends of the calendar a meeting's end cannot even be
        # computed: the cycle's own dates are checked by the service.
        if not 1900 <= day.year <= 9000:
            raise forms.ValidationError(_("Choose a date within the cycle."))
        return day

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        least = self.interview.cycle.min_length_minutes
        if minutes < least:
            raise forms.ValidationError(
                _("The meeting must last at least %(minutes)d minutes in this cycle.") % {"minutes": least}
            )
        return minutes

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("time"):
            try:
                data["starts_at"] = local_datetime(data["date"], data["time"])
            except (ValueError, zoneinfo.ZoneInfoNotFoundError):
                self.add_error(
                    "time",
                    _("This time does not exist on that day: the clocks go forward. Choose another time."),
                )
        if "starts_at" in data and self.errors:
            # A refused length must not hide the other rules the choice breaks: a person
            # fixes them all at once. (With no error here, the service checks them itself.)
            problems = scheduling_problems(
                interview=self.interview,
                starts_at=data["starts_at"],
                duration_minutes=data.get("duration_minutes") or self.interview.cycle.min_length_minutes,
            )
            problems.pop("duration_minutes", None)
            for field, messages in problems.items():
                for message in messages:
                    self.add_error(field, message)
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=Interview.REASON_MAX_LENGTH,
        help_text=_("At most 2,000 characters."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ConfirmPlanForm(forms.Form):
    """The launch (or "add") preview's confirmation: which plan HR saw, and that they confirm it."""

    plan = forms.CharField(widget=forms.HiddenInput, max_length=64)
    confirm = forms.BooleanField(widget=forms.HiddenInput, initial=True)


class CloseCycleForm(forms.Form):
    confirm_unfinished = forms.BooleanField(
        label=_("Close even though some interviews are not finished"), required=False
    )


class GuidelineForm(forms.Form):
    text = forms.CharField(
        label=_("Guidelines"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=10_000,
        help_text=_("Shown at the top of every prep form in this unit and the units below it."),
    )
    extra_prompts = forms.CharField(
        label=_("Extra prompts"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5_000,
        help_text=_("One question per line."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save the guidelines")))


class ActionForm(forms.Form):
    owner_kind = forms.ChoiceField(
        label=_("Who does it"),
        choices=[
            ("employee", _("The employee")),
            ("manager", _("The manager")),
            ("other", _("Another person")),
        ],
    )
    other = forms.CharField(
        label=_("The other person"),
        required=False,
        max_length=254,
        help_text=_("Employee number or email, if another person."),
    )
    what = forms.CharField(
        label=_("What"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("At most 2,000 characters."),
    )
    due_on = forms.DateField(label=_("By when"), widget=DateInput())
    standard = forms.CharField(
        label=_("How you will both know it is done"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("At most 2,000 characters."),
    )

    def clean_other(self):
        value = self.cleaned_data["other"].strip()
        if not value:
            return None
        person = person_by_number_or_email(value)
        if person is not None and not person.is_active:
            person = None
        if person is None:
            raise forms.ValidationError(
                _("Nobody has the employee number or email %(value)s."), params={"value": value}
            )
        return person


class RecordGoalForm(forms.Form):
    text = forms.CharField(
        label=_("Goal"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("At most 2,000 characters."),
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())
    unit_goal = forms.ModelChoiceField(label=_("Serves the unit goal"), queryset=None, required=False)

    def __init__(self, *args, unit_goals=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_goal"].queryset = unit_goals if unit_goals is not None else UnitGoal.objects.none()


class SignForm(forms.Form):
    comment = forms.CharField(
        label=_("Your comment (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20_000,
        help_text=_(
            "Anything you want on the record, including where you disagree. It becomes part of the summary "
            "(at most 20,000 characters)."
        ),
    )
    disagrees = forms.BooleanField(
        label=_("I do not agree with all of the record (say where in the comment)"),
        required=False,
        help_text=_("You still sign that you have read it; your manager is told, and the summary shows it."),
    )
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, strip=False)


class SsoSignForm(SignForm):
    """The signing form in a single sign-on session: no password, the signer has just
    confirmed who they are at the identity provider instead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["password"]


class VerifyForm(forms.Form):
    pdf = forms.FileField(label=_("The PDF file"), required=False)
    content_hash = forms.CharField(
        label=_("Or the hash printed in its footer"), required=False, max_length=64
    )

    def clean(self):
        data = super().clean()
        if not data.get("pdf") and not data.get("content_hash", "").strip():
            raise forms.ValidationError(_("Choose a PDF file or paste a hash."))
        return data
