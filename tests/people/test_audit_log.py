"""The audit log as HR reads it: sentences in the reader's language, objects by name with a
link only where the reader may open them, the organisation's time zone, the search (and
what it does with junk), paging, and the audited CSV/XLSX export of what the search shows.
"""

import csv
import datetime
import io
import re
import zoneinfo
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import AgreedAction, UnitGoal
from interviews.models import Interview, InterviewRecord, LocalGuideline, PrepForm
from interviews.records import RECORD_LABEL
from interviews.selectors import interview_openable_by, interviews_visible_to
from people import audit_log
from people.models import AuditEntry
from tests.factories import CycleFactory, InterviewFactory, UserFactory
from tests.test_access import ROLES, add_cycles

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
ROOT = Path(__file__).resolve().parent.parent.parent
URL = "/hr/audit/"


def entry(action, *, actor=None, obj=None, at=None, **fields):
    fields.setdefault("actor_email", actor.email if actor else "")
    if obj is not None:
        fields.update(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if at is not None:
        fields["at"] = at
    return AuditEntry.objects.create(action=action, actor=actor, **fields)


def text(response) -> str:
    """The page as a person reads it: without tags, one space between words."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"</?(a|time)\b[^>]*>", "", body)  # inside a sentence
    return " ".join(re.sub(r"<[^>]+>", " ", body).replace("&#x27;", "'").split())


@pytest.fixture
def talk(org):
    """The employee's interview in the cycle "Spring", with a record and a prep form."""
    cycle = CycleFactory(name="Spring", units=[org.root])
    interview = InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)
    record = InterviewRecord.objects.create(interview=interview, number=1, content={})
    prep = PrepForm.objects.create(interview=interview, role="employee", author=org.employee)
    org.cycle, org.interview, org.record, org.prep = cycle, interview, record, prep
    return org


# --- every action has its sentence ---------------------------------------------------


def written_actions() -> set[str]:
    """Every action name the code writes with audit(), read from the source."""
    names = set()
    for app in ("people", "interviews", "goals"):
        for path in (ROOT / app).rglob("*.py"):
            source = path.read_text()
            for match in re.finditer(r'audit\(\s*"(\w+)"(?:\s+if\s+\w+\s+else\s+"(\w+)")?', source):
                names.update(name for name in match.groups() if name)
    # interviews.services._save writes interview_<the new state>, or that a meeting moved.
    names |= {f"interview_{state}" for state in ("scheduled", "held", "cancelled", "excused", "planned")}
    names.add("interview_rescheduled")
    return names


def test_every_action_the_code_writes_has_a_sentence():
    written = written_actions()
    assert {"login", "record_signed_by_employee", "interview_rescheduled", "audit_exported"} <= written
    assert written - set(audit_log.SENTENCES) == set()


def test_an_unknown_action_shows_its_name(login, org):
    entry("something_new", actor=org.manager, object_type="people.user", object_id=str(org.employee.pk))
    page = text(login(org.hr).get(URL))
    assert "Mona Manager: something_new Eva Employee" in page


SENTENCES = [
    # (action, object, English, Norwegian)
    ("login", None, "Mona Manager signed in", "Mona Manager logget inn"),
    (
        "record_signed_by_employee",
        "record",
        "Mona Manager signed the summary of Eva Employee's interview (Spring) as employee",
        "Mona Manager signerte referatet fra samtalen til Eva Employee (Spring) som medarbeider",
    ),
    (
        "interview_scheduled",
        "interview",
        "Mona Manager booked the meeting for Eva Employee's interview (Spring)",
        "Mona Manager avtalte møtetidspunkt for samtalen til Eva Employee (Spring)",
    ),
    (
        "interview_rescheduled",
        "interview",
        "Mona Manager moved the meeting for Eva Employee's interview (Spring)",
        "Mona Manager flyttet møtet for samtalen til Eva Employee (Spring)",
    ),
    (
        "prep_shared",
        "prep",
        "Mona Manager shared their preparation for Eva Employee's interview (Spring)",
        "Mona Manager delte forberedelsen sin til samtalen til Eva Employee (Spring)",
    ),
    (
        "cycle_launched",
        "cycle",
        "Mona Manager launched the cycle Spring",
        "Mona Manager startet samtalerunden Spring",
    ),
    (
        "partner_changed",
        "employee",
        "Mona Manager changed the interview partner of Eva Employee",
        "Mona Manager endret samtalepartneren til Eva Employee",
    ),
    (
        "nudge_sent",
        "unit_a",
        "Mona Manager sent a reminder to the people of Department A",
        "Mona Manager sendte en påminnelse til de ansatte i Department A",
    ),
]


@pytest.mark.parametrize(("action", "obj", "english", "norwegian"), SENTENCES)
def test_each_action_reads_as_a_sentence_in_english_and_norwegian(
    login, talk, action, obj, english, norwegian
):
    entry(action, actor=talk.manager, obj=getattr(talk, obj) if obj else None)
    client = login(talk.hr)
    assert english in text(client.get(URL))
    talk.hr.language = "nb"
    talk.hr.save(update_fields=["language"])
    assert norwegian in text(client.get(URL))


def test_a_failed_sign_in_names_the_address_typed_and_a_task_the_system(login, org):
    entry("login_failed", actor_email="nobody@example.org")
    entry("interview_held", object_type="interviews.interview", object_id="999")
    page = text(login(org.hr).get(URL))
    assert "Somebody failed to sign in as nobody@example.org" in page
    assert "The system marked interview #999 as held" in page


def test_booking_and_moving_a_meeting_are_told_apart(login, org):
    cycle = CycleFactory(
        name="Spring",
        units=[org.root],
        opens_on=datetime.date(2027, 3, 1),
        closes_on=datetime.date(2027, 5, 31),
    )
    interview = InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=OSLO), tick=False):
        client = login(org.manager)  # inside the travel, or the session would have expired
        for day in ("2027-03-22", "2027-03-23"):
            interview.refresh_from_db()
            response = client.post(
                reverse("interviews:interview_schedule", args=[interview.pk]),
                {"date": day, "time": "10:00", "duration_minutes": 60, "version": interview.version},
            )
            assert response.url == reverse("interviews:interview_detail", args=[interview.pk])
    assert list(AuditEntry.objects.filter(object_id=str(interview.pk)).values_list("action", flat=True)) == [
        "interview_rescheduled",
        "interview_scheduled",
    ]
    page = text(login(org.hr).get(URL))
    assert "Mona Manager moved the meeting for Eva Employee's interview (Spring)" in page
    assert "Mona Manager booked the meeting for Eva Employee's interview (Spring)" in page


# --- objects by name, linked where the reader may open them ---------------------------


def test_objects_are_named_and_linked_for_hr(login, talk):
    goal = UnitGoal.objects.create(
        unit=talk.unit_a, title="Fewer meetings", period_start=datetime.date(2027, 1, 1)
    )
    guideline = LocalGuideline.objects.create(unit=talk.unit_a, text="x")
    action = AgreedAction.objects.create(
        source_model=RECORD_LABEL,
        source_id=talk.record.pk,
        employee=talk.employee,
        partner=talk.manager,
        owner_kind="employee",
        owner=talk.employee,
        what="SECRET-ACTION-TEXT",
        due_on=datetime.date(2027, 6, 1),
        standard="x",
    )
    for action_name, obj in [
        ("partner_changed", talk.employee),
        ("interview_scheduled", talk.interview),
        ("summary_downloaded", talk.record),
        ("cycle_launched", talk.cycle),
        ("nudge_sent", talk.unit_a),
        ("guideline_saved", guideline),
        ("unit_goal_saved", goal),
        ("action_updated", action),
    ]:
        entry(action_name, actor=talk.manager, obj=obj)
    body = login(talk.hr).get(URL).content.decode()
    person = reverse("people:person_detail", args=[talk.employee.pk])
    interview = reverse("interviews:interview_detail", args=[talk.interview.pk])
    assert f'<a href="{person}">Eva Employee</a>' in body
    assert f'<a href="{reverse("people:person_detail", args=[talk.manager.pk])}">Mona Manager</a>' in body
    assert body.count(f'<a href="{interview}">Eva Employee&#x27;s interview (Spring)</a>') == 2
    assert f'<a href="{reverse("interviews:cycle_detail", args=[talk.cycle.pk])}">Spring</a>' in body
    assert f'<a href="{reverse("people:unit_detail", args=[talk.unit_a.pk])}">Department A</a>' in body
    guidelines = reverse("interviews:guideline_edit", args=[talk.unit_a.pk])
    assert f'<a href="{guidelines}">Department A</a>' in body
    goals = reverse("goals:unit_goals", args=[talk.unit_a.pk])
    assert f'<a href="{goals}">Fewer meetings (Department A)</a>' in body
    # An agreed action is named by whose it is, never by what it says; HR may not open it.
    assert "updated the status of Eva Employee&#x27;s agreed action" in body
    assert "SECRET-ACTION-TEXT" not in body


@pytest.mark.parametrize("role", ROLES[1:])
def test_the_links_to_interviews_follow_who_may_open_them(org, role):
    """interview_openable_by, which the audit log links by, gives the selector's interviews."""
    add_cycles(org)
    InterviewFactory(cycle=org.cycle, employee=org.outsider, partner=org.other_manager)
    user = getattr(org, role)
    openable = Interview.objects.filter(interview_openable_by(user))
    assert set(openable) == set(interviews_visible_to(user))
    records = InterviewRecord.objects.filter(interview_openable_by(user, path="interview__"))
    assert set(records) == set(InterviewRecord.objects.filter(interview__in=interviews_visible_to(user)))


def test_an_administrator_sees_the_names_without_links_to_hr_pages(login, talk):
    entry("interview_scheduled", actor=talk.manager, obj=talk.interview)
    body = login(talk.admin).get(URL).content.decode()
    assert "Mona Manager booked the meeting for Eva Employee&#x27;s interview (Spring)" in body
    assert reverse("interviews:interview_detail", args=[talk.interview.pk]) not in body
    assert reverse("people:person_detail", args=[talk.manager.pk]) not in body


def test_an_object_that_no_longer_exists_shows_its_kind_and_number(login, org):
    entry("unit_goal_deleted", actor=org.hr, object_type="goals.unitgoal", object_id="4711")
    entry("cycle_closed", actor=org.hr, object_type="interviews.cycle", object_id="not-a-number")
    page = text(login(org.hr).get(URL))
    assert "Hanne Hr deleted unit goal #4711" in page
    assert "Hanne Hr closed the cycle cycle #not-a-number" in page


def test_names_are_escaped_in_the_sentence(login, org):
    evil = UserFactory(given_name="<script>x</script>", family_name="&")
    entry("login", actor=evil)
    body = login(org.hr).get(URL).content.decode()
    assert "<script>x</script>" not in body and "&lt;script&gt;x&lt;/script&gt; &amp;" in body


# --- times ---------------------------------------------------------------------------


def test_times_are_in_the_organisations_time_zone_and_the_readers_format(login, org):
    entry("login", actor=org.manager, at=datetime.datetime(2027, 1, 12, 12, 0, 5, tzinfo=datetime.UTC))
    entry("logout", actor=org.manager, at=datetime.datetime(2027, 7, 12, 12, 0, 5, tzinfo=datetime.UTC))
    client = login(org.hr)
    page = text(client.get(URL))
    assert "When (Europe/Oslo)" in page
    assert "12/01/2027 13:00:05" in page and "12/07/2027 14:00:05" in page  # winter, summer time
    org.hr.language = "nb"
    org.hr.save(update_fields=["language"])
    page = text(client.get(URL))
    assert "12.01.2027 13:00:05" in page and "12.07.2027 14:00:05" in page


# --- the search ----------------------------------------------------------------------


@pytest.fixture
def logged(talk):
    """A day of entries (Oslo time) by three people."""
    day = datetime.datetime(2027, 1, 12, 9, 0, tzinfo=OSLO)
    entry("login", actor=talk.employee, at=day)
    entry("prep_shared", actor=talk.employee, obj=talk.prep, at=day + datetime.timedelta(minutes=5))
    entry("login", actor=talk.manager, at=day + datetime.timedelta(hours=1))
    entry("interview_scheduled", actor=talk.manager, obj=talk.interview, at=day + datetime.timedelta(hours=2))
    entry("cycle_launched", actor=talk.hr, obj=talk.cycle, at=day - datetime.timedelta(days=1))
    entry("login_failed", actor_email="stranger@example.org", at=day + datetime.timedelta(hours=3))
    # 00:30 in Oslo on the 13th is still the 12th in UTC.
    entry("logout", actor=talk.manager, at=datetime.datetime(2027, 1, 12, 23, 30, tzinfo=datetime.UTC))
    return talk


def found(client, **params) -> list[str]:
    """The actions found, leaving out the reader's own sign-in (the test client's login)."""
    response = client.get(URL, params)
    assert response.status_code == 200
    reader = response.wsgi_request.user
    return [
        row.entry.action
        for row in response.context["rows"]
        if not (row.entry.action == "login" and row.entry.actor_id == reader.pk)
    ]


def test_the_search_by_who_what_object_and_period(login, logged):
    client = login(logged.hr)
    assert found(client, who="Eva Employee") == ["prep_shared", "login"]
    # A failed sign-in has only the address typed: found by the whole of it, in any case.
    assert found(client, who="STRANGER@example.org") == ["login_failed"]
    assert found(client, who="stranger@") == []
    assert found(client, who="mona") == ["logout", "interview_scheduled", "login"]
    assert found(client, action="login") == ["login", "login"]
    assert found(client, action="group:signing_in") == ["logout", "login_failed", "login", "login"]
    assert found(client, object_type="interviews.interview") == ["interview_scheduled"]
    assert found(client, object_type="interviews.cycle", object=str(logged.cycle.pk)) == ["cycle_launched"]
    assert found(client, object_type="interviews.cycle", object="999") == []
    assert found(client, object_type="interviews.prepform", object="eva") == ["prep_shared"]
    assert found(client, object_type="interviews.interview", object="Nobody Known") == []
    # Whole days in Oslo: the logout at 00:30 on the 13th is not on the 12th.
    assert found(client, since="2027-01-12", until="2027-01-12") == [
        "login_failed",
        "interview_scheduled",
        "login",
        "prep_shared",
        "login",
    ]
    assert found(client, since="2027-01-13") == ["logout"]
    assert found(client, until="2027-01-11") == ["cycle_launched"]
    assert found(client, who="mona", action="login", since="2027-01-12") == ["login"]


def test_the_search_keeps_its_choices_on_the_page(login, logged):
    body = login(logged.hr).get(URL, {"action": "login", "since": "2027-01-12"}).content.decode()
    assert '<option value="login" selected>… signed in</option>' in body
    assert 'value="2027-01-12"' in body
    assert f'href="{reverse("people:audit_log_csv")}?action=login&amp;since=2027-01-12"' in body


@pytest.mark.parametrize(
    ("params", "field_message"),
    [
        ({"page": "abc", "since": "2027-13-45"}, "Enter a valid date."),
        ({"action": "drop table"}, "Select a valid choice."),
        ({"object_type": "people.password"}, "Select a valid choice."),
        ({"object": "42"}, "Choose the kind of object as well"),
        ({"since": "2027-02-01", "until": "2027-01-01"}, "The period ends before it starts"),
        ({"who": "x" * 300}, "at most 254 characters"),
    ],
)
def test_junk_in_the_search_is_explained_and_finds_nothing(login, logged, params, field_message):
    response = login(logged.hr).get(URL, params)
    assert response.status_code == 200
    page = text(response)
    assert field_message in page
    assert "Check the filters marked above: nothing is searched for until they hold." in page
    assert response.context["rows"] == [] and "No entries." in page


def test_hostile_values_never_break_the_page(login, logged):
    client = login(logged.hr)
    assert client.get(URL, {"action": "\x00"}).status_code == 400  # NullCharacterGuardMiddleware
    for params in [
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"until": "9999-12-31"},
        {"since": "0001-01-01"},
        {"object_type": "interviews.interview", "object": "%' OR 1=1 --"},
        {"who": "'; DROP TABLE people_auditentry; --"},
    ]:
        assert client.get(URL, params).status_code == 200, params
    everything = found(client)
    assert everything and found(client, until="9999-12-31", since="0001-01-01") == everything


# --- paging --------------------------------------------------------------------------


def test_the_log_is_paged_newest_first(login, org):
    client = login(org.hr)  # the sign-in is the oldest entry
    start = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(action="logout", actor=org.manager, at=start + datetime.timedelta(minutes=n))
            for n in range(249)
        ]
    )
    first = client.get(URL)
    assert len(first.context["rows"]) == 100 and "Page 1 of 3" in text(first)
    assert "250 entries, newest first." in text(first)
    assert first.context["rows"][0].at == start + datetime.timedelta(minutes=248)
    last = client.get(URL, {"page": "3"})
    assert len(last.context["rows"]) == 50 and last.context["rows"][-2].at == start
    assert client.get(URL, {"page": "abc"}).context["page"].number == 1


def test_the_pager_stops_counting_at_its_cap(login, org, monkeypatch):
    monkeypatch.setattr("people.views.AUDIT_COUNT_CAP", 150)
    AuditEntry.objects.bulk_create([AuditEntry(action="login", actor=org.manager) for _ in range(250)])
    client = login(org.hr)
    page = text(client.get(URL))
    assert "More than 150 entries, newest first." in page and "Page 1 of more than 2" in page
    last = client.get(URL, {"page": "2"})
    assert "Older entries are reached by narrowing the search" in text(last)


# --- the export ----------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def sheet_rows(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [[cell.value for cell in row] for row in workbook.active.iter_rows()]


def test_the_csv_export_holds_what_the_search_shows_and_is_audited(login, logged):
    client = login(logged.hr)
    response = client.get(reverse("people:audit_log_csv"), {"who": "mona", "since": "2027-01-12"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="audit-log-' in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:5] == ["When", "Who", "Who (email)", "What happened", "Action"]
    assert [row[4] for row in rows] == ["logout", "interview_scheduled", "login"]
    scheduled = rows[1]
    assert scheduled[0] == "2027-01-12 11:00:00"  # Oslo's clock, ISO 8601, to the second
    assert scheduled[1:4] == [
        "Mona Manager",
        "manager@example.org",
        "Mona Manager booked the meeting for Eva Employee's interview (Spring)",
    ]
    assert scheduled[5:8] == [
        "interviews.interview",
        str(logged.interview.pk),
        "Eva Employee's interview (Spring)",
    ]
    exported = AuditEntry.objects.get(action="audit_exported")
    assert exported.actor == logged.hr
    assert exported.detail == "csv rows=3 who=mona since=2027-01-12"


def test_the_xlsx_export_holds_real_times_and_is_audited(login, logged):
    response = login(logged.hr).get(
        reverse("people:audit_log_xlsx"), {"action": "login", "since": "2027-01-01"}
    )
    assert response.status_code == 200
    header, *rows = sheet_rows(response)
    assert header[3] == "What happened"
    assert [row[3] for row in rows] == ["Mona Manager signed in", "Eva Employee signed in"]
    assert rows[0][0] == datetime.datetime(2027, 1, 12, 10, 0)  # a date and time value, Oslo's clock
    exported = AuditEntry.objects.get(action="audit_exported")
    assert exported.detail == "xlsx rows=2 action=login since=2027-01-01"


def test_an_export_sees_its_own_entry_in_the_log(login, logged):
    client = login(logged.hr)
    client.get(reverse("people:audit_log_csv"))
    assert "Hanne Hr exported the audit log" in text(client.get(URL))


def test_formula_looking_names_are_text_in_the_export(login, org):
    evil = UserFactory(given_name='=HYPERLINK("http://x","y")', family_name="", email="evil@example.org")
    entry("login", actor=evil)
    client = login(org.hr)
    _header, row = csv_rows(client.get(reverse("people:audit_log_csv"), {"who": "evil@"}))
    assert row[1] == "'" + evil.given_name and not row[3].startswith("=")
    _header, row = sheet_rows(client.get(reverse("people:audit_log_xlsx"), {"who": "evil@"}))
    assert row[1] == evil.given_name  # a string cell, never a formula


def test_the_export_stops_at_its_maximum_and_says_so(login, org, monkeypatch):
    monkeypatch.setattr(audit_log, "EXPORT_MAX", 5)
    monkeypatch.setattr(audit_log, "EXPORT_CHUNK", 2)  # several chunks, none repeated
    start = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(action="login", actor=org.manager, at=start + datetime.timedelta(minutes=n))
            for n in range(8)
        ]
    )
    _header, *rows = csv_rows(login(org.hr).get(reverse("people:audit_log_csv"), {"action": "login"}))
    assert [row[0] for row in rows[:5]] == [f"2027-01-01 01:0{n}:00" for n in (7, 6, 5, 4, 3)]
    assert rows[5] == ["Only the newest 5 entries are here: narrow the period to export the others."]
    assert AuditEntry.objects.get(action="audit_exported").detail == "csv rows=5 action=login"
    # A workbook is built whole before it is sent, so it holds fewer.
    monkeypatch.setattr(audit_log, "EXPORT_MAX_XLSX", 3)
    _header, *rows = sheet_rows(login(org.hr).get(reverse("people:audit_log_xlsx"), {"action": "login"}))
    assert (
        len(rows) == 4
        and rows[3][0] == "Only the newest 3 entries are here: narrow the period to export the others."
    )


def test_an_export_of_a_search_that_does_not_hold_exports_nothing(login, logged):
    client = login(logged.hr)
    response = client.get(reverse("people:audit_log_csv"), {"since": "2027-13-45"})
    assert response.status_code == 302 and response.url == URL + "?since=2027-13-45"
    assert not AuditEntry.objects.filter(action="audit_exported").exists()
    page = text(client.get(response.url))
    assert "Nothing was exported: correct the filters marked below first." in page


def test_the_export_carries_no_talk_content(login, talk):
    secret = "SEEDED-TALK-TEXT"
    PrepForm.objects.filter(pk=talk.prep.pk).update(work_tasks=secret)
    Interview.objects.filter(pk=talk.interview.pk).update(note=secret, place=secret, reason=secret)
    entry("prep_shared", actor=talk.employee, obj=talk.prep)
    entry("interview_cancelled", actor=talk.manager, obj=talk.interview)
    client = login(talk.hr)
    assert secret not in client.get(URL).content.decode()
    assert secret not in str(csv_rows(client.get(reverse("people:audit_log_csv"))))
    assert secret not in str(sheet_rows(client.get(reverse("people:audit_log_xlsx"))))


# --- queries -------------------------------------------------------------------------


def seed_every_kind(org, copies: int) -> None:
    cycle = CycleFactory(name="Seeded", units=[org.root])
    goal = UnitGoal.objects.create(unit=org.unit_a, title="Goal", period_start=datetime.date(2027, 1, 1))
    guideline, _ = LocalGuideline.objects.get_or_create(unit=org.unit_a)
    for n in range(copies):
        person = UserFactory()
        interview = InterviewFactory(cycle=cycle, employee=person, partner=org.manager)
        record = InterviewRecord.objects.create(interview=interview, number=1, content={})
        action = AgreedAction.objects.create(
            source_model=RECORD_LABEL,
            source_id=record.pk,
            employee=person,
            owner_kind="employee",
            owner=person,
            what="x",
            due_on=datetime.date(2027, 6, 1),
            standard="x",
        )
        prep = PrepForm.objects.create(interview=interview, role="employee", author=person)
        for name, obj in [
            ("partner_changed", person),
            ("interview_scheduled", interview),
            ("summary_downloaded", record),
            ("prep_shared", prep),
            ("cycle_launched", cycle),
            ("nudge_sent", org.unit_a),
            ("guideline_saved", guideline),
            ("unit_goal_saved", goal),
            ("action_updated", action),
        ]:
            entry(name, actor=person, obj=obj)
        entry("login_failed", actor_email=f"typed{n}@example.org")


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
        if response.streaming:
            b"".join(response.streaming_content)
        assert response.status_code == 200
    return len(captured)


def test_the_page_and_the_export_read_a_fixed_number_of_queries(login, org, django_assert_max_num_queries):
    client = login(org.hr)
    seed_every_kind(org, 1)
    few = {url: queries(client, url) for url in (URL, reverse("people:audit_log_csv"))}
    seed_every_kind(org, 10)  # 110 entries more: a full page of them
    for url, count in few.items():
        assert queries(client, url) == count, url
    # Session, user, menu, the count, the page of entries, and one query per kind of object
    # on it (nine kinds; the goals' adds the units whose heads keep goals): the same for 10
    # entries or a full page.
    with django_assert_max_num_queries(16):
        client.get(URL)
    # The export: the same reads, once per chunk of EXPORT_CHUNK entries, and its own entry.
    with django_assert_max_num_queries(17):
        b"".join(client.get(reverse("people:audit_log_csv")).streaming_content)


def test_the_search_by_date_stays_on_the_index_of_times(org):
    with time_machine.travel(datetime.datetime(2027, 1, 12, 12, tzinfo=datetime.UTC), tick=False):
        query = str(audit_log.audit_entries_matching(since=datetime.date(2027, 1, 12)).query)
    # Compared on the column itself (no date cast around it), so the index on `at` serves it.
    assert '"people_auditentry"."at" >=' in query
