"""Two imports at the same moment, on PostgreSQL: they queue behind each other.

Without the lock both would plan against the same empty database and the second would
crash on the unique indexes (or, for partner changes, open two lines).
"""

import threading

import pytest
from django.db import connection

from people.importing import org_import_apply
from people.models import ReportingLine, User
from tests.people.test_import import PEOPLE, UNITS


@pytest.mark.real_services
def test_concurrent_imports_of_the_same_files_apply_once(require_postgres, transactional_db):
    barrier = threading.Barrier(2)
    reports, failures = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            reports.append(org_import_apply(units_data=UNITS, people_data=PEOPLE))
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sorted(r.applied for r in reports) == [False, True]
    assert User.objects.count() == 5
    assert ReportingLine.objects.filter(valid_to__isnull=True).count() == 4
