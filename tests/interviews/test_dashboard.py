"""The cycle dashboard: figures against hand counts, roll-up, scopes, no content, CSV, nudges."""

import csv
import datetime
import html
import io
import re
import zipfile

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import AgreedAction
from interviews import dashboard
from interviews.models import Cycle, Interview, InterviewRecord, PrepForm
from interviews.records import RECORD_LABEL
from interviews.sections import SECTION_KEYS
from people.models import HRRole, Notification, OrgUnit, ReminderDelivery
from tests.conftest import sign_record
from tests.factories import CycleFactory, InterviewFactory, OrgUnitFactory, ReportingLineFactory, UserFactory

SECRET = "SECRET-TEXT"


@pytest.fixture
def cycle(org):
    """A cycle over the university, five weeks in, with hand-countable figures.

    Department A: the employee's talk signed (one action overdue, one done), the other
    employee's booked (employee shared, manager's draft), the manager's own talk held.
    Department B: the outsider's and the scoped HR's talks still to book, the other
    manager excused. At the top: the director has no partner and no interview.
    """
    now = timezone.now()
    cycle = CycleFactory(
        name="Talks 2026",
        units=[org.root],
        opens_on=timezone.localdate() - datetime.timedelta(days=35),
        closes_on=timezone.localdate() + datetime.timedelta(days=60),
    )
    Cycle.objects.filter(pk=cycle.pk).update(launched_at=now - datetime.timedelta(days=35))
    cycle.refresh_from_db()
    signed = InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="held",
        starts_at=now - datetime.timedelta(days=3),
        duration_minutes=60,
    )
    record = sign_record(signed, text=SECRET, comment=f"{SECRET} comment")
    for what, due, status in (
        ("overdue", timezone.localdate() - datetime.timedelta(days=2), "open"),
        ("done", timezone.localdate() + datetime.timedelta(days=30), "done"),
    ):
        AgreedAction.objects.create(
            source_model=RECORD_LABEL,
            source_id=record.pk,
            employee=org.employee,
            owner_kind="employee",
            owner=org.employee,
            what=f"{SECRET} {what}",
            due_on=due,
            standard=f"{SECRET} standard",
            status=status,
        )
    booked = InterviewFactory(
        cycle=cycle,
        employee=org.other_employee,
        partner=org.manager,
        state="scheduled",
        starts_at=now + datetime.timedelta(days=5),
        duration_minutes=60,
        employee_shared=True,  # as prep_share marks it
    )
    for role, author, state in (
        ("employee", org.other_employee, "shared"),
        ("manager", org.manager, "draft"),
    ):
        PrepForm.objects.create(
            interview=booked,
            role=role,
            author=author,
            state=state,
            **{key: f"{SECRET} {role} {key}" for key in SECTION_KEYS},
        )
    InterviewFactory(
        cycle=cycle,
        employee=org.manager,
        partner=org.director,
        state="held",
        starts_at=now - datetime.timedelta(days=1),
        duration_minutes=60,
    )
    InterviewFactory(cycle=cycle, employee=org.outsider, partner=org.other_manager)
    InterviewFactory(cycle=cycle, employee=org.hr_scoped_other, partner=org.other_manager)
    InterviewFactory(
        cycle=cycle, employee=org.other_manager, partner=org.director, state="excused", reason="Leave"
    )
    # HR has a partner but no interview yet: to add, not missing a partner.
    return cycle


def _rows(cycle, user):
    viewer = dashboard.dashboard_viewer(user)
    totals, roots = dashboard.dashboard_units(cycle, viewer)
    return totals, {row.unit.code: row for root in roots for row in root.walk()}


def test_dashboard_figures_match_hand_counts(org, cycle):
    totals, rows = _rows(cycle, org.hr)
    a, b, root = rows["A"].figures, rows["B"].figures, rows["ROOT"].figures
    assert (a.planned, a.scheduled, a.held, a.signed, a.excused, a.total) == (0, 1, 1, 1, 0, 3)
    assert (a.employee_shared, a.manager_shared) == (1, 0)
    assert (a.actions_open, a.actions_overdue) == (1, 1)
    assert a.completion == 33
    assert (b.planned, b.excused, b.total, b.expected, b.completion) == (2, 1, 3, 2, 0)
    assert (root.total, root.signed, root.expected, root.completion) == (6, 1, 5, 20)
    assert root.without_partner == 1  # the director
    assert rows["ROOT"].own.without_partner == 1 and rows["A"].figures.without_partner == 0
    assert totals == root


def test_dashboard_rolls_up_a_deep_tree(org):
    """Five levels: each level's figures are the sum of everything below it."""
    units = [org.root]
    for depth in range(1, 6):
        units.append(OrgUnitFactory(code=f"L{depth}", name=f"Level {depth}", parent=units[-1]))
    cycle = CycleFactory(units=[units[1]])
    for depth, unit in enumerate(units[1:], start=1):
        for n in range(depth):
            person = UserFactory(unit=unit)
            InterviewFactory(
                cycle=cycle, employee=person, partner=org.director, state="signed" if n == 0 else "planned"
            )
    _totals, rows = _rows(cycle, org.hr)
    assert "ROOT" not in rows  # above the cycle's unit: not part of it
    for depth in range(1, 6):
        below = range(depth, 6)
        figures = rows[f"L{depth}"].figures
        assert figures.total == sum(below)
        assert figures.signed == len(below)
        assert figures.completion == round(100 * len(below) / sum(below))
        assert rows[f"L{depth}"].own.total == depth


def test_scoped_hr_sees_only_its_units(login, org, cycle):
    totals, rows = _rows(cycle, org.hr_scoped_other)
    assert set(rows) == {"B"}
    assert totals.total == 3
    page = login(org.hr_scoped_other).get(reverse("interviews:cycle_dashboard", args=[cycle.pk]))
    text = page.content.decode()
    assert "Department B" in text and "Department A" not in text
    csv_text = b"".join(
        login(org.hr_scoped_other)
        .get(reverse("interviews:cycle_dashboard_csv", args=[cycle.pk]))
        .streaming_content
    ).decode("utf-8-sig")
    assert "Department B" in csv_text and "Department A" not in csv_text and "University" not in csv_text


def test_figures_are_counted_once_a_minute_per_scope_and_say_when(login, org, cycle, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dash"}
    }
    url = reverse("interviews:cycle_dashboard", args=[cycle.pk])
    first = login(org.hr).get(url).content.decode()
    assert "Figures as counted at" in first and "Department A" in first
    # A scoped HR asking next gets their own figures, never the whole organisation's.
    text = login(org.hr_scoped_other).get(url).content.decode()
    assert "Department B" in text and "Department A" not in text
    # Within the minute HR sees the same count, then a fresh one.
    Interview.objects.filter(cycle=cycle, state="planned").update(state="excused")
    again = login(org.hr).get(url).content.decode()
    assert _headline(again, "Scheduled") == _headline(first, "Scheduled")
    assert _headline(again, "Excused or cancelled") == _headline(first, "Excused or cancelled")
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        later = login(org.hr).get(url).content.decode()
    assert int(_headline(later, "Excused or cancelled")) == int(_headline(first, "Excused or cancelled")) + 2


def test_kept_dashboard_pages_follow_language_view_and_figures(login, org, cycle, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "body"}
    }
    url = reverse("interviews:cycle_dashboard", args=[cycle.pk])
    client = login(org.hr)
    english = client.get(url).content.decode()
    assert "Where each unit stands" in english
    # The kept content is the same page again, with this request's own CSRF token around it.
    assert client.get(url).content.decode().count("Where each unit stands") == 1
    org.hr.language = "nb"
    org.hr.save(update_fields=["language"])
    norwegian = client.get(url).content.decode()
    assert "Where each unit stands" not in norwegian and "Figures as counted at" not in norwegian
    # Another view of the same figures is its own page, not the one kept first.
    focused = client.get(url, {"unit": org.unit_a.pk}).content.decode()
    assert 'aria-current="page">Department A<' in focused
    # A head of unit (not HR) never gets HR's breadcrumbs, even for the same view.
    head = login(org.manager).get(url, {"unit": org.unit_a.pk}).content.decode()
    assert f'href="{reverse("interviews:cycle_list")}"' not in head.split("<main", 1)[1]
    assert f'href="{reverse("interviews:cycle_list")}"' in focused.split("<main", 1)[1]
    # Within the minute the page stays as counted; when the figures are counted again, so is the page.
    org.hr.language = "en"
    org.hr.save(update_fields=["language"])
    client = login(org.hr)
    Interview.objects.filter(cycle=cycle, state="planned").update(state="excused")
    kept = _headline(client.get(url).content.decode(), "Excused or cancelled")
    assert kept == _headline(english, "Excused or cancelled")
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        later = _headline(client.get(url).content.decode(), "Excused or cancelled")
    assert int(later) == int(kept) + 2


def _headline(page: str, label: str) -> str:
    """The big figure under a headline card's label."""
    after = page.split(f'<div class="small text-body-secondary">{label}</div>', 1)[1]
    return after.split('<div class="fs-3 fw-semibold">', 1)[1].split("<", 1)[0].strip()


def test_head_of_unit_sees_their_subtree_only(login, org, cycle):
    _totals, rows = _rows(cycle, org.manager)
    assert set(rows) == {"A"}
    client = login(org.manager)
    assert client.get(reverse("interviews:cycle_unit", args=[cycle.pk, org.unit_b.pk])).status_code == 404
    page = client.get(reverse("interviews:cycle_unit", args=[cycle.pk, org.unit_a.pk])).content.decode()
    assert str(org.other_employee) in page and str(org.outsider) not in page
    # A head sees the figures but is not HR: no nudging, and the dashboard's drill-down is status only.
    assert "Remind those who are behind" not in page


def test_no_content_reaches_any_dashboard_page_or_csv(login, org, cycle):
    Cycle.objects.filter(pk=cycle.pk).update(archive_for_hr=True)
    pages = [
        reverse("interviews:cycle_dashboard", args=[cycle.pk]),
        reverse("interviews:cycle_dashboard", args=[cycle.pk]) + f"?unit={org.unit_a.pk}",
        reverse("interviews:cycle_dashboard_csv", args=[cycle.pk]),
        reverse("interviews:cycle_dashboard_xlsx", args=[cycle.pk]),
        reverse("interviews:cycle_progress", args=[cycle.pk]),
        reverse("interviews:cycle_progress_csv", args=[cycle.pk]),
        reverse("interviews:cycle_progress_xlsx", args=[cycle.pk]),
        reverse("interviews:cycle_unit", args=[cycle.pk, org.unit_a.pk]),
        reverse("interviews:cycle_unit_csv", args=[cycle.pk, org.unit_a.pk]),
        reverse("interviews:cycle_unit_xlsx", args=[cycle.pk, org.unit_a.pk]),
        reverse("interviews:cycle_unit_managers", args=[cycle.pk, org.unit_a.pk]),
    ]
    for user in (org.hr, org.director, org.manager):
        client = login(user)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if url.endswith(".xlsx"):  # a zip of XML: search what it unpacks to
                with zipfile.ZipFile(io.BytesIO(body)) as archive:
                    body = b"".join(archive.read(name) for name in archive.namelist())
            assert SECRET.encode() not in body, (user, url)


def test_archived_summaries_are_linked_for_hr_only(login, org, cycle):
    url = reverse("interviews:cycle_unit", args=[cycle.pk, org.unit_a.pk])
    signed = Interview.objects.get(cycle=cycle, employee=org.employee)
    pdf = reverse("interviews:record_pdf", args=[signed.pk, 1])
    assert pdf not in login(org.hr).get(url).content.decode()
    Cycle.objects.filter(pk=cycle.pk).update(archive_for_hr=True)
    assert pdf in login(org.hr).get(url).content.decode()
    assert pdf not in login(org.director).get(url).content.decode()


def test_csv_opens_in_a_spreadsheet_with_norwegian_letters(login, org, cycle):
    org.unit_a.name = "Avdeling for språk og økonomi på Ås"
    org.unit_a.save()
    response = login(org.hr).get(reverse("interviews:cycle_dashboard_csv", args=[cycle.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Unit code,Unit,Level,Planned,Scheduled,Held,Signed")
    row = next(line for line in lines if line.startswith("A,"))
    assert row.split(",")[1] == "Avdeling for språk og økonomi på Ås"
    drill = login(org.hr).get(reverse("interviews:cycle_unit_csv", args=[cycle.pk, org.unit_a.pk]))
    rows = b"".join(drill.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + 3
    employee_row = next(r for r in rows if str(org.employee) in r)
    assert employee_row.endswith(",2,1,1")  # two actions, one open, one overdue


def test_dashboard_sorts_siblings_by_the_chosen_column(login, org, cycle):
    url = reverse("interviews:cycle_dashboard", args=[cycle.pk])
    ascending = login(org.hr).get(url + "?sort=completion&dir=asc").content.decode()
    descending = login(org.hr).get(url + "?sort=completion&dir=desc").content.decode()
    # B (0 %) before A (33 %) going up, after it going down; the tree keeps the university on top.
    assert ascending.index("Department B") < ascending.index("Department A")
    assert descending.index("Department A") < descending.index("Department B")
    table = descending.split("<tbody")[1]
    assert table.index("University") < table.index("Department A")
    assert 'aria-sort="descending"' in descending


def test_dashboard_focus_on_a_unit_and_unknown_units(login, org, cycle):
    url = reverse("interviews:cycle_dashboard", args=[cycle.pk])
    client = login(org.hr)
    focused = client.get(url + f"?unit={org.unit_a.pk}").content.decode()
    assert "Department B" not in focused.split("<table")[1]
    assert client.get(url + "?unit=999999").status_code == 404
    assert client.get(url + "?unit=x").status_code == 404
    assert login(org.hr_scoped_other).get(url + f"?unit={org.unit_a.pk}").status_code == 404


def _big_cycle(org, units: int, per_unit: int):
    cycle = CycleFactory(units=[org.root])
    parent = org.root
    for n in range(units):
        # Half the units nested under the previous one: depth grows with the count too.
        unit = OrgUnitFactory(parent=parent if n % 2 else org.root)
        parent = unit
        for _i in range(per_unit):
            person = UserFactory(unit=unit)
            ReportingLineFactory(employee=person, partner=org.director)
            interview = InterviewFactory(
                cycle=cycle,
                employee=person,
                partner=org.director,
                state="scheduled",
                starts_at=timezone.now() + datetime.timedelta(days=9),
                duration_minutes=60,
            )
            PrepForm.objects.create(interview=interview, role="employee", author=person, state="shared")
            Interview.objects.filter(pk=interview.pk).update(employee_shared=True)
        UserFactory(unit=unit)  # nobody's partner: counted as without a partner
    return cycle


@pytest.mark.parametrize("user", ["hr", "hr_scoped_other", "director"])
def test_dashboard_query_count_does_not_grow(login, org, user, django_assert_max_num_queries):
    small = _big_cycle(org, units=2, per_unit=1)
    big = _big_cycle(org, units=12, per_unit=4)
    client = login(getattr(org, user))
    url = reverse("interviews:cycle_dashboard", args=[small.pk])
    client.get(url)  # warm the session
    # Session, user, HR role, navigation, viewer's units, cycle, units, interviews, actions,
    # people without a partner: ten at most, however many units and interviews.
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("interviews:cycle_dashboard", args=[big.pk])).status_code == 200


def test_drill_down_progress_and_managers_query_counts_do_not_grow(login, org, django_assert_max_num_queries):
    small = _big_cycle(org, units=1, per_unit=2)
    big = _big_cycle(org, units=6, per_unit=8)
    client = login(org.hr)
    for name, limit in (("cycle_unit", 10), ("cycle_unit_managers", 9), ("cycle_progress", 10)):
        for cycle in (small, big):
            args = [cycle.pk] if name == "cycle_progress" else [cycle.pk, org.root.pk]
            # The page's own reads plus session, user, HR role and navigation; per page, not per row.
            with django_assert_max_num_queries(limit):
                assert client.get(reverse(f"interviews:{name}", args=args)).status_code == 200


def test_managers_behind_are_listed_first(login, org, cycle):
    rows = dashboard.managers_of(cycle, dashboard.dashboard_viewer(org.hr), org.root)
    by_partner = {row.partner: row for row in rows}
    # The other manager has two talks unbooked five weeks in; the director's only talk was held.
    assert by_partner[org.other_manager].status == "behind"
    assert by_partner[org.director].status == "on_track"
    assert by_partner[org.manager].status == "on_track"
    assert rows[0].partner == org.other_manager
    # A meeting that passed without being marked held puts a manager behind too.
    Interview.objects.filter(cycle=cycle, employee=org.other_employee).update(
        starts_at=timezone.now() - datetime.timedelta(days=2)
    )
    rows = dashboard.managers_of(cycle, dashboard.dashboard_viewer(org.hr), org.root)
    manager = next(row for row in rows if row.partner == org.manager)
    assert manager.status == "behind" and manager.past_not_held == 1
    page = login(org.manager).get(reverse("interviews:cycle_unit_managers", args=[cycle.pk, org.unit_a.pk]))
    assert "Behind" in page.content.decode()


def test_progress_by_week_compares_with_the_previous_cycle(org):
    viewer = dashboard.dashboard_viewer(org.hr)
    today = datetime.date(2026, 3, 1)
    previous = CycleFactory(
        units=[org.unit_a], opens_on=datetime.date(2025, 1, 5), closes_on=datetime.date(2025, 2, 28)
    )
    current = CycleFactory(
        units=[org.unit_a], opens_on=datetime.date(2026, 1, 4), closes_on=datetime.date(2026, 4, 30)
    )
    CycleFactory(units=[org.unit_b], opens_on=datetime.date(2025, 6, 1), closes_on=datetime.date(2025, 8, 1))
    assert dashboard.comparable_cycles(current, viewer).cycles == [previous, current]

    from interviews.models import InterviewRecord

    def signed_on(cycle, day, n):
        for _i in range(n):
            interview = InterviewFactory(
                cycle=cycle, employee=UserFactory(unit=org.unit_a), partner=org.manager, state="signed"
            )
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
            InterviewRecord.objects.create(
                interview=interview, number=1, locked_at=at, manager_signed_at=at, employee_signed_at=at
            )

    signed_on(current, datetime.date(2026, 1, 6), 1)  # week 1
    signed_on(current, datetime.date(2026, 1, 20), 2)  # week 3
    for _i in range(2):
        InterviewFactory(cycle=current, employee=UserFactory(unit=org.unit_a), partner=org.manager)
    signed_on(previous, datetime.date(2025, 1, 7), 2)
    InterviewFactory(
        cycle=previous, employee=UserFactory(unit=org.unit_a), partner=org.manager, state="excused"
    )
    progress = dashboard.progress_by_week([previous, current], viewer, today=today)
    assert progress[current.pk].expected == 5
    assert progress[current.pk].signed_by_week[:4] == [1, 1, 3, 3]
    assert len(progress[current.pk].signed_by_week) == 9  # 4 Jan to 1 Mar: the ninth week has begun
    assert progress[previous.pk].expected == 2 and progress[previous.pk].signed_by_week[0] == 2
    assert progress[current.pk].percent(2) == 60


def test_year_over_year_completion_per_unit(login, org, cycle):
    previous = CycleFactory(
        units=[org.root],
        opens_on=cycle.opens_on - datetime.timedelta(days=365),
        closes_on=cycle.closes_on - datetime.timedelta(days=365),
        state="closed",
    )
    InterviewFactory(cycle=previous, employee=org.employee, partner=org.manager, state="signed")
    InterviewFactory(cycle=previous, employee=org.outsider, partner=org.other_manager, state="signed")
    InterviewFactory(cycle=previous, employee=org.hr_scoped_other, partner=org.other_manager)
    response = login(org.hr).get(reverse("interviews:cycle_progress_csv", args=[cycle.pk]))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == f"Unit code,Unit,{previous.name} (%),{cycle.name} (%)"
    assert "ROOT,University,67,20" in lines
    assert "A,Department A,100,33" in lines
    assert "B,Department B,50,0" in lines


# --- nudges ----------------------------------------------------------------------------


def test_hr_nudges_managers_to_book_once_a_day(login, org, cycle, django_capture_on_commit_callbacks):
    client = login(org.hr)
    url = reverse("interviews:cycle_unit_nudge", args=[cycle.pk, org.unit_b.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"kind": "scheduling"}, follow=True)
    assert "A reminder went to 1 person." in response.content.decode()
    delivery = ReminderDelivery.objects.get(kind="scheduling")
    assert delivery.recipient == org.other_manager
    assert delivery.status == "sent"
    assert [m.to for m in mail.outbox] == [[org.other_manager.email]]
    assert "2 interviews" in mail.outbox[0].subject
    assert Notification.objects.filter(user=org.other_manager).count() == 1
    # Again the same day, by another HR user too: nobody gets it twice.
    with django_capture_on_commit_callbacks(execute=True):
        again = login(org.hr_scoped_other).post(url, {"kind": "scheduling"}, follow=True).content.decode()
    assert "Nobody in this unit is behind on that just now." in again
    assert "1 had been reminded today already" in again
    assert len(mail.outbox) == 1


def test_hr_nudges_both_sides_to_share_their_preparation(
    login, org, cycle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(org.hr).post(
            reverse("interviews:cycle_unit_nudge", args=[cycle.pk, org.unit_a.pk]),
            {"kind": "prep"},
            follow=True,
        )
    # The one booked talk ahead: the employee has shared, the manager has not.
    assert [d.recipient for d in ReminderDelivery.objects.filter(kind="prep")] == [org.manager]
    assert SECRET not in mail.outbox[0].body


def test_nudge_refuses_what_it_cannot_do(login, org, cycle):
    client = login(org.hr)
    url = reverse("interviews:cycle_unit_nudge", args=[cycle.pk, org.unit_b.pk])
    page = client.post(url, {"kind": "everyone"}, follow=True).content.decode()
    assert "Choose whom to remind" in page
    Cycle.objects.filter(pk=cycle.pk).update(state="closed")
    page = client.post(url, {"kind": "scheduling"}, follow=True)
    assert page.status_code == 200 and "only while the cycle is open" in page.content.decode()
    assert not ReminderDelivery.objects.filter(kind__in=["scheduling", "prep"]).exists()


def test_nudge_by_scoped_hr_outside_its_units_is_not_found(login, org, cycle):
    HRRole.objects.filter(user=org.hr_scoped_other).update()
    url = reverse("interviews:cycle_unit_nudge", args=[cycle.pk, org.unit_a.pk])
    assert login(org.hr_scoped_other).post(url, {"kind": "scheduling"}).status_code == 404
    assert not ReminderDelivery.objects.filter(kind__in=["scheduling", "prep"]).exists()


def test_dashboard_page_shows_the_chart_and_totals(login, org, cycle):
    page = login(org.hr).get(reverse("interviews:cycle_dashboard", args=[cycle.pk])).content.decode()
    assert "20 %" in page  # the university's completion
    # A figure, not an image: its unit names are links, which an image may not hold.
    assert 'role="figure"' in page and "fill-signed" in page
    # Every bar says its figures in text, not by colour alone.
    assert "33 % (1 of 3)" in page and "0 % (0 of 2)" in page


def test_dashboard_lists_two_levels_and_loads_sub_units_on_request(login, org):
    parent = org.unit_a
    for depth in range(2, 5):
        parent = OrgUnitFactory(code=f"D{depth}", name=f"Deep {depth}", parent=parent)
        InterviewFactory(cycle=_cycle_of(org), employee=UserFactory(unit=parent), partner=org.manager)
    cycle = _cycle_of(org)
    client = login(org.hr)
    url = reverse("interviews:cycle_dashboard", args=[cycle.pk])
    page = client.get(url).content.decode()
    table = page.split("<tbody")[1]
    assert "Department A" in table and "Deep 2" not in table
    assert "data-children-url" in table
    # Opening department A fetches its sub-units' rows, and only those.
    rows = client.get(url, {"children": org.unit_a.pk}).content.decode()
    assert "Deep 2" in rows and "Deep 3" not in rows and "<html" not in rows
    assert 'data-level="2"' in rows
    everything = client.get(url, {"expand": "all"}).content.decode().split("<tbody")[1]
    assert "Deep 4" in everything
    assert client.get(url, {"children": "x"}).status_code == 404
    # Scoped HR of B cannot open A.
    assert login(org.hr_scoped_other).get(url, {"children": org.unit_a.pk}).status_code == 404


def _cycle_of(org):
    cycle = Cycle.objects.filter(name="Deep").first()
    return cycle or CycleFactory(name="Deep", units=[org.root])


def test_charts_keep_decimal_points_in_norwegian(login, org, cycle):
    """Norwegian writes 12,5; an SVG coordinate must stay 12.5 or the chart breaks."""
    import re

    org.hr.language = "nb"
    org.hr.save()
    client = login(org.hr)
    for name in ("cycle_dashboard", "cycle_progress"):
        page = client.get(reverse(f"interviews:{name}", args=[cycle.pk])).content.decode()
        coordinates = re.findall(r'\b(?:x|y|cx|cy|width|y1|y2)="([^"]*)"', page)
        assert coordinates, name
        for value in coordinates:
            float(value.removesuffix("%"))  # raises on "12,5"
    assert "Fullføringsgrad" in page


def test_drill_down_pages_and_filters_by_state(login, org, cycle, monkeypatch):
    monkeypatch.setattr("interviews.views.dashboard.DRILL_PAGE_SIZE", 2)
    url = reverse("interviews:cycle_unit", args=[cycle.pk, org.root.pk])
    client = login(org.hr)
    first = client.get(url).content.decode()
    assert "Page 1 of 3" in first and "?state=&amp;page=2" in first
    last = client.get(url, {"page": 3}).content.decode()
    assert "Page 3 of 3" in last and "?state=&amp;page=2" in last
    planned = client.get(url, {"state": "planned"}).content.decode()
    assert str(org.outsider) in planned and str(org.employee) not in planned


def test_drill_down_counts_its_pages_once_a_minute_and_never_shows_an_empty_page(
    login, org, cycle, settings, monkeypatch
):
    settings.DASHBOARD_CACHE_SECONDS = 60
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "drill"}
    }
    monkeypatch.setattr("interviews.views.dashboard.DRILL_PAGE_SIZE", 2)
    url = reverse("interviews:cycle_unit", args=[cycle.pk, org.root.pk])
    client = login(org.hr)
    assert "Page 1 of 3" in client.get(url).content.decode()
    # Turning to the next page, HR's database does not count the unit's interviews again.
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url, {"page": 2}).content.decode()
    assert "Page 2 of 3" in second
    assert not [q for q in queries if 'COUNT(*) AS "__count"' in q["sql"]]
    # Interviews gone since the count: the last page it promised is counted afresh, and
    # shows the rows that are left, not "No interviews".
    Interview.objects.filter(cycle=cycle).exclude(employee=org.employee).order_by("pk")[:1].get().delete()
    Interview.objects.filter(cycle=cycle, state="planned").order_by("pk").first().delete()
    last = client.get(url, {"page": 3}).content.decode()
    assert "Page 2 of 2" in last and "No interviews." not in last
    assert str(org.employee) in client.get(url, {"page": 1}).content.decode() + last


def test_a_page_of_the_drill_down_counts_actions_as_the_whole_cycle_does(login, org, cycle):
    signed = Interview.objects.get(cycle=cycle, employee=org.employee)
    # A corrected version is a record of its own; its actions count for the same interview.
    correction = InterviewRecord.objects.create(interview=signed, number=2, conclusions="Corrected")
    AgreedAction.objects.create(
        source_model=RECORD_LABEL,
        source_id=correction.pk,
        employee=org.employee,
        owner_kind="manager",
        owner=org.manager,
        what="Added in the correction",
        due_on=timezone.localdate() + datetime.timedelta(days=10),
        status="open",
    )
    interviews = Interview.objects.filter(cycle=cycle)
    whole = dashboard.action_counts(cycle, interviews)
    rows = dashboard.with_action_counts(list(dashboard.drill_rows(interviews)))
    page = {row["pk"]: (row["actions_open"], row["actions_overdue"]) for row in rows}
    assert page == {
        pk: (whole.get(pk, {}).get("open", 0), whole.get(pk, {}).get("overdue", 0)) for pk in page
    }
    assert page[signed.pk] == (2, 1)
    # And on the drill-down itself: two open, one of them overdue.
    hr_page = (
        login(org.hr).get(reverse("interviews:cycle_unit", args=[cycle.pk, org.unit_a.pk])).content.decode()
    )
    row = hr_page.split(str(org.employee), 1)[1].split("</tr>", 1)[0]
    assert '<td class="text-end">2 <span class="text-danger-emphasis fw-semibold">(1)</span></td>' in row


def test_one_unit_of_a_cycle_is_open_to_exactly_those_the_unit_list_shows_it_to(org, cycle):
    """cycle_unit (every drill-down page) agrees with cycle_units_query for every viewer."""
    only_a = CycleFactory(units=[org.unit_a])
    outside = OrgUnitFactory(parent=None)
    units = list(OrgUnit.objects.all())
    assert outside in units
    for user in (org.hr, org.hr_scoped_other, org.manager, org.other_manager):
        viewer = dashboard.dashboard_viewer(user)
        seen = set()
        for each in (cycle, only_a):
            listed = set(dashboard.cycle_units_query(each, viewer).values_list("pk", flat=True))
            one_by_one = {
                unit.pk for unit in units if dashboard.cycle_unit(each, viewer, unit.pk) is not None
            }
            assert one_by_one == listed, (user, each)
            seen |= listed
        assert seen and outside.pk not in seen, user  # some units, never one outside the cycles
    assert (
        dashboard.cycle_unit(cycle, dashboard.dashboard_viewer(org.hr), max(u.pk for u in units) + 1) is None
    )


# --- figures that read right ---------------------------------------------------------


def _text(fragment: str) -> str:
    """What a reader sees of a piece of markup: its text, tags gone, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _unit_table(page: str) -> dict[str, dict[str, str]]:
    """The unit table as a reader scans it: {unit: {column header: cell}}."""
    table = page.split('<table class="table table-sm table-hover align-middle small dashboard-table"', 1)[1]
    table = table.split("</table>", 1)[0]
    headers = [_text(th) for th in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S)]
    rows = {}
    for row in re.findall(r"<tr data-unit.*?</tr>", table, re.S):
        name = _text(re.search(r'<th scope="row".*?<a [^>]*>(.*?)</a>', row, re.S).group(1))
        cells = [_text(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows[name] = dict(zip(headers[1:], cells, strict=True))
    return rows


def _card(page: str, label: str) -> str:
    """A headline card's text, from its label on."""
    after = page.split(f'<div class="small text-body-secondary">{label}</div>', 1)[1]
    return _text(after.split('<div class="col">', 1)[0].split("</section>", 1)[0])


def test_dashboard_prep_shared_reads_each_side_out_of_the_interviews_that_go_ahead(login, org, cycle):
    # The employee's signed talk: the manager had shared. The other manager's excused talk
    # was shared by both before the leave: it is not prepared for, and counts nowhere.
    Interview.objects.filter(cycle=cycle, employee=org.employee).update(manager_shared=True)
    Interview.objects.filter(cycle=cycle, state="excused").update(employee_shared=True, manager_shared=True)
    page = login(org.hr).get(reverse("interviews:cycle_dashboard", args=[cycle.pk])).content.decode()
    card = _card(page, "Preparation shared")
    assert card.startswith("Employees shared 1 of 5, managers shared 1 of 5")
    assert "of the interviews not excused or cancelled" in card
    assert "/ " not in card
    rows = _unit_table(page)
    a, b = rows["Department A"], rows["Department B"]
    assert (a["Employee prep shared"], a["Manager prep shared"]) == ("1 of 3", "1 of 3")
    assert (b["Employee prep shared"], b["Manager prep shared"]) == ("0 of 2", "0 of 2")
    assert "out of those not excused or cancelled" in page  # the footnote says so
    # The export's columns are named as the page's and count the same.
    lines = b"".join(
        login(org.hr).get(reverse("interviews:cycle_dashboard_csv", args=[cycle.pk])).streaming_content
    )
    reader = list(csv.DictReader(io.StringIO(lines.decode("utf-8-sig"))))
    exported = next(row for row in reader if row["Unit code"] == "B")
    assert (exported["Employee prep shared"], exported["Manager prep shared"]) == ("0", "0")


def test_dashboard_scheduled_card_and_column_count_booked_talks_not_yet_held(login, org, cycle):
    page = login(org.hr).get(reverse("interviews:cycle_dashboard", args=[cycle.pk])).content.decode()
    assert "Meetings booked" not in page
    # One talk booked and ahead; the held and the signed ones are named apart, not in it.
    assert _headline(page, "Scheduled") == "1"
    card = _card(page, "Scheduled")
    assert "booked, not yet marked held" in card
    assert "2 still to book, 1 held, not yet signed" in card
    rows = _unit_table(page)
    assert rows["University"]["Scheduled"] == "1"  # the card's figure, under the same name
    a = rows["Department A"]
    assert (a["Scheduled"], a["Held"], a["Signed"]) == ("1", "1", "1")


def test_managers_page_names_scheduled_and_held_talks_apart(login, org, cycle):
    url = reverse("interviews:cycle_unit_managers", args=[cycle.pk, org.root.pk])
    page = login(org.hr).get(url).content.decode()
    headers = [_text(th) for th in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page, re.S)]
    assert "Booked" not in headers and {"Scheduled", "Held", "Signed"} <= set(headers)
    rows = {}
    for row in re.findall(r'<tr>\s*<th scope="row".*?</tr>', page, re.S):
        cells = [_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = dict(zip(headers, cells, strict=True))
    # Mona: Eva's talk signed, Emil's booked with his prep shared.
    mona = rows[str(org.manager)]
    assert (mona["Scheduled"], mona["Held"], mona["Signed"]) == ("1", "0", "1")
    assert (mona["Employee prep shared"], mona["Manager prep shared"]) == ("1 of 2", "0 of 2")
    # Dora: Mona's own talk held, the other manager's excused (out of what goes ahead).
    dora = rows[str(org.director)]
    assert (dora["Scheduled"], dora["Held"], dora["Employee prep shared"]) == ("0", "1", "0 of 1")


def _bars(page: str) -> dict[str, int]:
    """The chart's bars as a reader hovers them: {label: interviews}, added up over the states."""
    chart = page.split('class="dashboard-chart"', 1)[1].split("</svg>", 1)[0]
    bars: dict[str, int] = {}
    for label, count in re.findall(r"<rect [^>]*><title>(.*?): (\d+)</title></rect>", chart):
        bars[html.unescape(label)] = bars.get(html.unescape(label), 0) + int(count)
    return bars


def test_unit_chart_has_a_bar_for_the_units_own_people(login, org, cycle):
    InterviewFactory(cycle=cycle, employee=org.hr, partner=org.director)  # in the university itself
    section = OrgUnitFactory(code="A1", name="Section A1", parent=org.unit_a)
    InterviewFactory(cycle=cycle, employee=UserFactory(unit=section), partner=org.manager, state="signed")
    url = reverse("interviews:cycle_dashboard", args=[cycle.pk])
    client = login(org.hr)
    page = client.get(url).content.decode()
    assert _bars(page) == {"University itself": 1, "Department A": 4, "Department B": 3}
    assert sum(_bars(page).values()) == int(_unit_table(page)["University"]["Interviews"]) == 8
    # Its own bar is not a link to itself; the sub-units' bars lead to them.
    assert "University itself</text></a>" not in page
    focused = client.get(url, {"unit": org.unit_a.pk}).content.decode()
    assert _bars(focused) == {"Department A itself": 3, "Section A1": 1}
    # A unit without people of its own has no bar for them.
    Interview.objects.filter(employee=org.hr).delete()
    assert "University itself" not in client.get(url).content.decode()


def test_every_column_of_the_unit_table_sorts(login, org, cycle):
    url = reverse("interviews:cycle_dashboard", args=[cycle.pk])
    client = login(org.hr)
    page = client.get(url).content.decode()
    thead = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    headers = re.findall(r'<th scope="col"([^>]*)>(.*?)</th>', thead, re.S)
    labels = [_text(inner) for _attrs, inner in headers]
    assert labels[:-1] == [
        "Unit",
        "Interviews",
        "Planned",
        "Scheduled",
        "Held",
        "Signed",
        "Excused or cancelled",
        "Employee prep shared",
        "Manager prep shared",
        "Completion",
        "Actions open (overdue)",
        "No partner",
    ]
    assert labels[-1] == "Details"  # the links' column: nothing to sort
    for (attrs, inner), label in zip(headers[:-1], labels, strict=False):
        assert "aria-sort=" in attrs and '<a href="?sort=' in inner, label
        # Following a header's link sorts by that very column, and the header says so.
        link = html.unescape(re.search(r'href="([^"]+)"', inner).group(1))
        followed = client.get(url + link).content.decode().split("<thead>", 1)[1].split("</thead>", 1)[0]
        sorted_by = re.findall(r'aria-sort="(?:a|de)scending"><a [^>]*>(.*?)</a>', followed)
        assert sorted_by == [label], (label, sorted_by)
    # Department A has more booked, held, signed and shared; B more excused and to book.
    more_in_a = ["scheduled", "held", "signed", "employee_shared"]
    more_in_b = ["planned", "excused"]
    for key in [*more_in_a, *more_in_b]:
        for direction in ("asc", "desc"):
            sorted_page = client.get(url, {"sort": key, "dir": direction})
            assert sorted_page.status_code == 200, key
            text = sorted_page.content.decode()
            a_first = text.index(">Department A<") < text.index(">Department B<")
            assert a_first == ((key in more_in_a) == (direction == "desc")), (key, direction)
            sorted_thead = text.split("<thead>", 1)[1].split("</thead>", 1)[0]
            assert sorted_thead.count(f'aria-sort="{direction}ending"') == 1, key
    assert client.get(url, {"sort": "manager_shared", "dir": "desc"}).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "sort=__class__",
        "sort=figures.total",
        "sort=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "sort=" + "x" * 5000,
        "sort=",
        "sort=held&sort=__init__",
        "sort=total&dir=sideways",
        "dir=desc%27--",
    ],
)
def test_dashboard_ignores_sort_values_it_does_not_know(login, org, cycle, query):
    url = reverse("interviews:cycle_dashboard", args=[cycle.pk])
    response = login(org.hr).get(f"{url}?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert" not in page
    # Unknown columns sort by name: A before B, and the table says by what.
    assert page.index(">Department A<") < page.index(">Department B<") or "dir=desc" in query
    thead = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert thead.count('aria-sort="none"') == 11


def test_progress_compares_only_cycles_over_the_same_units(login, org, cycle):
    def earlier(name, units, years):
        return CycleFactory(
            name=name,
            units=units,
            opens_on=cycle.opens_on - datetime.timedelta(days=365 * years),
            closes_on=cycle.closes_on - datetime.timedelta(days=365 * years),
            state="closed",
        )

    same = earlier("Talks 2025", [org.root], 1)
    department = earlier("Department A 2024", [org.unit_a], 2)  # some of the units only
    both = earlier("Departments 2023", [org.unit_a, org.unit_b], 3)  # not the university's own people
    earlier("Elsewhere 2024", [OrgUnitFactory(code="X", name="Elsewhere", parent=None)], 2)  # no overlap
    InterviewFactory(cycle=same, employee=org.employee, partner=org.manager, state="signed")
    InterviewFactory(cycle=department, employee=org.employee, partner=org.manager, state="signed")

    comparison = dashboard.comparable_cycles(cycle, dashboard.dashboard_viewer(org.hr))
    assert comparison.cycles == [same, cycle]
    assert comparison.left_out == [department, both]  # newest first
    url = reverse("interviews:cycle_progress", args=[cycle.pk])
    page = _text(login(org.hr).get(url).content.decode())
    assert "Compared with earlier cycles over exactly the same units as this one: Talks 2025." in page
    assert "Left out because they were over other units" in page
    assert "Department A 2024, Departments 2023." in page
    assert "Elsewhere 2024" not in page
    assert "beside Talks 2025 at the same point" in page
    response = login(org.hr).get(reverse("interviews:cycle_progress_csv", args=[cycle.pk]))
    header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header == f"Unit code,Unit,Talks 2025 (%),{cycle.name} (%)"

    # The cycle over department A alone compares with nothing: the university's cycles count others.
    alone = dashboard.comparable_cycles(
        CycleFactory(units=[org.unit_a], opens_on=cycle.opens_on), dashboard.dashboard_viewer(org.hr)
    )
    assert alone.cycles[:-1] == [department]
    assert set(alone.left_out) == {cycle, same, both}


def test_progress_without_an_earlier_cycle_of_the_same_units_says_so(login, org, cycle):
    page = login(org.hr).get(reverse("interviews:cycle_progress", args=[cycle.pk])).content.decode()
    assert "No earlier cycle was over exactly the same units as this one" in page
    assert "Left out" not in page


@pytest.mark.real_services
def test_dashboard_table_links_are_touch_targets_of_at_least_24px(page, org):
    """WCAG 2.5.8 (Lighthouse flagged 28 of them): unit names, sort links, details links, toggles."""
    from tests.conftest import log_in

    cycle = CycleFactory(name="Talks 2026", units=[org.root])
    section = OrgUnitFactory(code="A1", name="Section A1", parent=org.unit_a)
    InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager, state="signed")
    InterviewFactory(cycle=cycle, employee=UserFactory(unit=section), partner=org.manager)
    InterviewFactory(cycle=cycle, employee=org.outsider, partner=org.other_manager)
    log_in(page, org.hr.email)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(page.base_url + reverse("interviews:cycle_dashboard", args=[cycle.pk]))
        page.get_by_role("button", name="Sub-units of Department A").wait_for()  # the script has run
        sizes = page.locator("table.dashboard-table").evaluate(
            """table => [...table.querySelectorAll("a, button")]
                .filter(el => el.offsetParent !== null)
                .map(el => {
                    const box = el.getBoundingClientRect();
                    return [el.textContent.trim(), box.width, box.height];
                })"""
        )
        assert len(sizes) >= 12 + 3 * 3, sizes  # the headers' links, and three per unit at least
        small = [(text, w, h) for text, w, h in sizes if w < 24 or h < 24]
        assert small == [], (width, small)
        # The table scrolls within itself: its links' hidden words never widen the page.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
