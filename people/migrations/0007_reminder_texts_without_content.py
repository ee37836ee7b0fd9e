"""Action reminders sent before this release quoted the action ("Overdue since 25 April:
Take the supervision course"): their stored subject and body, and the bell's copy of the
subject, are rewritten to say only that an agreed action needs following up.

Written here in both languages rather than through the app's catalogue, so that the
migration means the same whatever the app's texts become.
"""

from django.db import migrations

TEXTS = {
    "en": (
        "An agreed action needs following up",
        "An action you agreed to in a performance assessment interview needs following up. "
        "Open My actions to read it and update its status.",
    ),
    "nb": (
        "Et avtalt tiltak må følges opp",
        "Et tiltak du avtalte i en medarbeidersamtale, må følges opp. "
        "Åpne Mine tiltak for å lese det og oppdatere statusen.",
    ),
}


def forget_action_texts(apps, schema_editor):
    ReminderDelivery = apps.get_model("people", "ReminderDelivery")
    Notification = apps.get_model("people", "Notification")
    for language, (subject, body) in TEXTS.items():
        chosen = ReminderDelivery.objects.filter(kind="action")
        if language == "en":
            chosen = chosen.exclude(recipient__language="nb")
        else:
            chosen = chosen.filter(recipient__language=language)
        Notification.objects.filter(delivery__in=chosen).update(subject=subject)
        chosen.update(subject=subject, body=body)


class Migration(migrations.Migration):
    dependencies = [("people", "0006_user_email_case_insensitive")]

    operations = [migrations.RunPython(forget_action_texts, migrations.RunPython.noop)]
