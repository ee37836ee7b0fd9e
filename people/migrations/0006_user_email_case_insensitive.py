import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def refuse_addresses_that_differ_only_in_case(apps, schema_editor):
    """Before addresses become unique whatever their case, say which accounts share one."""
    User = apps.get_model("people", "User")
    shared = (
        User.objects.annotate(address=Lower("email"))
        .values("address")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("address", flat=True)
    )
    if shared:
        raise RuntimeError(
            "These email addresses belong to more than one account, differing only in capital letters: "
            + ", ".join(sorted(shared)[:20])
            + ". Merge or rename those accounts in the admin, then migrate again."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('people', '0005_user_name_index'),
    ]

    operations = [
        migrations.RunPython(refuse_addresses_that_differ_only_in_case, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('email'), name='user_email_ci_unique'),
        ),
    ]
