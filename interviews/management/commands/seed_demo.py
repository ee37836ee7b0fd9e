from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from interviews.demo import demo_cycles_create
from people.demo import DEMO_LOGINS, DEMO_PASSWORD, FACULTIES, demo_organisation
from people.importing import org_import_apply
from people.models import HRRole, OrgUnit, User

ADMIN_EMAIL = "admin@demo.example"


class Command(BaseCommand):
    help = (
        "Create (or bring back) a deterministic demo organisation shaped like a university, "
        "through the ordinary import, with last year's and this year's cycle. Safe to run again: "
        "the second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=60, help="How many people (20 to 20,000).")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the database already has people."
        )
        parser.add_argument(
            "--without-cycles", action="store_true", help="Only the organisation, no demo cycles."
        )

    def handle(self, *args, employees=60, if_empty=False, without_cycles=False, **options):
        if not 20 <= employees <= 20_000:
            raise CommandError("--employees must be between 20 and 20,000.")
        if if_empty and User.objects.exclude(employee_number="").exists():
            self.stdout.write("The database already has an organisation; the demo was not loaded.")
            return
        units_csv, people_csv = demo_organisation(employees)
        with transaction.atomic():
            report = org_import_apply(units_data=units_csv, people_data=people_csv)
            if not report.ok:
                for error in report.errors[:20]:
                    self.stderr.write(f"{error.file} line {error.line}: {error.message}")
                raise CommandError("The demo organisation did not import; see the rows above.")
            self._logins()
            # Signing renders a PDF per record: a history for a few hundred people is quick,
            # one for thousands is the benchmark's business, not the demo's.
            cycles = None if without_cycles or employees > 500 else demo_cycles_create()
        s = report.summary()
        self.stdout.write(
            f"Demo organisation: {s['units_created']} units and {s['people_created']} people created, "
            f"{s['units_updated'] + s['people_updated']} updated, "
            f"{s['units_unchanged'] + s['people_unchanged']} unchanged."
        )
        if cycles:
            self.stdout.write(f"Demo cycles: {cycles[0]} (closed) and {cycles[1]} (open).")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for role, email in [
            ("HR, whole organisation", DEMO_LOGINS["hr"]),
            (f"HR for {FACULTIES[0][1]} only", DEMO_LOGINS["hr_faculty"]),
            ("manager (head of department)", DEMO_LOGINS["manager"]),
            ("employee", DEMO_LOGINS["employee"]),
            ("director (manager of managers)", DEMO_LOGINS["director"]),
            ("administrator", ADMIN_EMAIL),
        ]:
            self.stdout.write(f"  {email:32} {role}")

    def _logins(self) -> None:
        for email in DEMO_LOGINS.values():
            user = User.objects.get(email=email)
            # Never reset a password somebody chose after the first run.
            if not user.has_usable_password():
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
        hr = User.objects.get(email=DEMO_LOGINS["hr"])
        HRRole.objects.update_or_create(user=hr, defaults={"whole_organisation": True})
        scoped = User.objects.get(email=DEMO_LOGINS["hr_faculty"])
        role, _created = HRRole.objects.get_or_create(user=scoped)
        role.units.set([OrgUnit.objects.get(code=FACULTIES[0][0])])
        admin = User.objects.filter(email=ADMIN_EMAIL).first()
        if admin is None:
            User.objects.create_superuser(
                ADMIN_EMAIL, DEMO_PASSWORD, given_name="Demo", family_name="Administrator"
            )
