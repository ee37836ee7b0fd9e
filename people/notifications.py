"""Views for the bell (in-app reminders) and the choice of which reminders come by email."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from people.models import Notification, User
from people.selectors import nav_forget


class ReminderPreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["remind_prep", "remind_scheduling", "remind_actions"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", gettext_lazy("Save")))


def notification_list(request):
    notifications = list(Notification.objects.filter(user=request.user)[:100])
    form = ReminderPreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your choices are saved."))
        return redirect("notifications")
    return render(request, "people/notifications.html", {"notifications": notifications, "form": form})


@require_POST
def notifications_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    nav_forget(request.user.pk)
    return redirect("notifications")
