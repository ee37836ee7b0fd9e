from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from people.importing import ImportReport, org_import_apply


class Command(BaseCommand):
    help = (
        "Import units, people and reporting lines from the HR system's CSV, XLSX or JSON files. "
        "Every row is checked; if any is bad, nothing is applied."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--units", type=Path, help="units.csv: code,name,parent_code[,head_employee_number]"
        )
        parser.add_argument(
            "--people",
            type=Path,
            help="people.csv: employee_number,given_name,family_name,email,job_kind,unit_code,"
            "partner_employee_number,partner_kind[,language]",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and report, change nothing.")

    def handle(self, *args, units=None, people=None, dry_run=False, verbosity=1, **options):
        if units is None and people is None:
            raise CommandError("Give --units, --people or both.")
        data = {}
        for name, path in (("units", units), ("people", people)):
            if path is None:
                data[name] = None
                continue
            try:
                data[name] = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        report = org_import_apply(units_data=data["units"], people_data=data["people"], dry_run=dry_run)
        self.print_report(report, dry_run=dry_run, verbosity=verbosity)
        if not report.ok:
            raise CommandError(f"{report.bad_rows} bad row(s); nothing was applied.")

    def print_report(self, report: ImportReport, *, dry_run: bool, verbosity: int) -> None:
        for error in report.errors:
            self.stderr.write(f"{error.file} line {error.line}: {error.message}")
        for note in report.notes:
            self.stdout.write(str(note))
        s = report.summary()
        self.stdout.write(
            f"Units: {s['units_created']} created, {s['units_updated']} updated, {s['units_unchanged']} unchanged. "
            f"People: {s['people_created']} created, {s['people_updated']} updated, "
            f"{s['people_unchanged']} unchanged. "
            f"Reporting lines: {s['lines_opened']} opened, {s['lines_closed']} closed."
        )
        for item in report.impact_list():
            self.stdout.write(self.style.WARNING(item["title"]))
            if verbosity >= 2:
                for row in item["rows"]:
                    self.stdout.write(f"  {row}")
        if verbosity >= 2:
            for diff in report.diff_rows():
                fields = "; ".join(f"{f['label']}: {f['old']} → {f['new']}" for f in diff["fields"])
                self.stdout.write(f"  {diff['key']} {diff['name']}: {fields}")
            if report.changes_not_listed:
                self.stdout.write(f"  … and {report.changes_not_listed} more")
        if report.ok and report.changed:
            if dry_run:
                self.stdout.write(self.style.WARNING("Dry run: nothing was applied."))
            else:
                self.stdout.write(self.style.SUCCESS("Applied."))
