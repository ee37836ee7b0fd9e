from django.db import migrations, models


def copy_shared_flags(apps, schema_editor):
    """Set the new flags from the prep forms that are shared already: two UPDATEs."""
    Interview = apps.get_model("interviews", "Interview")
    PrepForm = apps.get_model("interviews", "PrepForm")
    for role in ("employee", "manager"):
        shared = PrepForm.objects.filter(role=role, state="shared").values("interview_id")
        Interview.objects.filter(pk__in=shared).update(**{f"{role}_shared": True})


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0005_summary_in_partner_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="interview",
            name="employee_shared",
            field=models.BooleanField(default=False, verbose_name="employee's prep shared"),
        ),
        migrations.AddField(
            model_name="interview",
            name="manager_shared",
            field=models.BooleanField(default=False, verbose_name="manager's prep shared"),
        ),
        migrations.RunPython(copy_shared_flags, migrations.RunPython.noop),
    ]
