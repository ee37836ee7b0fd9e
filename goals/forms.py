from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from goals.models import AgreedAction, UnitGoal


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class UnitGoalForm(forms.ModelForm):
    # When the goal was last saved, as the editor saw it: a save over a newer change is refused.
    based_on = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = UnitGoal
        fields = ["title", "description", "period_start", "period_end"]
        widgets = {
            "period_start": DateInput(),
            "period_end": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save the goal")))

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The goal must end after it starts."))
        return data


class ActionUpdateForm(forms.Form):
    """A new status and a dated progress note for an agreed action (the card on My actions)."""

    status = forms.ChoiceField(label=_("Status"), choices=AgreedAction.Status.choices)
    note = forms.CharField(label=_("Progress note"), required=False, max_length=2000)
