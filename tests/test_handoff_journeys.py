"""The hand-offs of a talk in a real browser (Debian's Chromium through Playwright): what the
next person is told (bell, email, home page) and that they act in one click; the record page
that keeps what is typed; and a session that ends while someone types.

Screenshots land in ARTIFACTS/handoffs/ (tests/conftest.py: outside the checkout).
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from interviews.models import Interview, InterviewRecord, PrepForm
from interviews.records import record_save
from tests.conftest import ARTIFACTS, PASSWORD, log_in
from tests.factories import CycleFactory, InterviewFactory

SHOTS = ARTIFACTS / "handoffs"
pytestmark = pytest.mark.real_services


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def main_text(page):
    return page.inner_text("main")


def wait_saved(page, status="#record-status"):
    page.locator(status, has_text="Saved at").wait_for(timeout=10_000)
    page.locator(".htmx-request").wait_for(state="detached", timeout=10_000)


def held_interview(org):
    return InterviewFactory(
        cycle=CycleFactory(units=[org.root], name="Talks 2026"),
        employee=org.employee,
        partner=org.manager,
        state="held",
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        duration_minutes=60,
    )


def link_in(message) -> str:
    return re.search(r"https?://\S+(/interviews/\S+)", message.body).group(1)


def test_signatures_and_a_correction_hand_over_in_the_browser(page, org, tmp_path):
    from tests.interviews.test_records import pdf_text

    interview = held_interview(org)
    record_save(
        interview=interview,
        by=org.manager,
        values={"work_tasks": "Teach the lab course.", "conclusions": "A good year."},
        expected_version=0,
    )
    # 1. The manager signs; the employee is told by email, bell and home page.
    log_in(page, org.manager.email)
    page.goto(page.base_url + f"/interviews/{interview.pk}/record/")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the record").click()
    assert "You have signed the record." in main_text(page)
    assert "Waiting for Eva Employee to read and sign; they have been told." in main_text(page)
    (message,) = [m for m in mail.outbox if org.employee.email in m.to]
    assert "Your signature is waiting" in message.subject
    mail.outbox.clear()

    log_in(page, org.employee.email)
    assert page.get_by_role("link", name=re.compile(r"Reminders 1 unread")).is_visible()
    todo = page.locator('[data-todo="sign"]')
    assert "Sign the record of your interview with Mona Manager" in todo.inner_text()
    assert "Waiting for your signature since" in todo.inner_text()
    shot(page, "01-employee-home-sign")
    todo.get_by_role("link", name=re.compile("Read and sign")).click()  # one click
    assert page.url.endswith(f"/interviews/{interview.pk}/record/#sign")
    assert page.get_by_role("button", name="Sign the record").is_visible()
    # The email's link leads to the same place.
    assert link_in(message) == f"/interviews/{interview.pk}/record/#sign"

    # 2. The employee signs with a disagreement; the manager is told.
    page.get_by_label("Your comment (optional)").fill("The lab course was shared with Otto.")
    page.get_by_label(re.compile("I do not agree with all of the record")).check()
    page.get_by_label("Your password").fill(PASSWORD)
    shot(page, "02-employee-signs-disagreeing")
    page.get_by_role("button", name="Sign the record").click()
    assert "The record is signed by both of you and locked." in main_text(page)
    assert "Eva Employee does not agree with all of it." in main_text(page)
    (told,) = [m for m in mail.outbox if org.manager.email in m.to]
    assert "disagrees with part of it" in told.subject
    assert "Otto" not in told.body  # what the comment says stays in the talk

    log_in(page, org.manager.email)
    page.get_by_role("link", name=re.compile(r"Reminders 1 unread")).click()
    assert "Eva Employee has signed the record of your interview and disagrees with part of it" in main_text(
        page
    )

    # 3. The manager opens a correction, changes one text and signs; the employee signs again.
    mail.outbox.clear()
    page.goto(page.base_url + f"/interviews/{interview.pk}/record/")
    page.get_by_role("button", name=re.compile("Open a correction")).click()
    page.get_by_label("What we agreed: Work tasks").fill("Teach the lab course with Otto.")
    wait_saved(page)
    shot(page, "03-correction-being-written")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the record").click()
    subjects = [m.subject for m in mail.outbox if org.employee.email in m.to]
    assert any("opened a correction" in s for s in subjects) and any(
        "signature is waiting" in s for s in subjects
    )

    log_in(page, org.employee.email)
    page.locator('[data-todo="sign"]').get_by_role("link").click()
    assert page.get_by_role("heading", name="Sign version 2").is_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the record").click()
    assert "The record is signed by both of you and locked." in main_text(page)
    shot(page, "04-version-2-signed")

    first, second = InterviewRecord.objects.filter(interview=interview).order_by("number")
    assert first.is_locked and second.is_locked
    one, two = (pdf_text(v.pdf.open("rb").read(), tmp_path) for v in (first, second))
    changed = [line for line in set(two.splitlines()) ^ set(one.splitlines()) if line.strip()]
    # Only the corrected text, the version, the signatures' times, the hash and the comment
    # (version 2 was signed without one) differ.
    assert any("with Otto" in line for line in changed)
    assert not any("A good year" in line for line in changed)


def test_the_record_keeps_a_note_typed_before_adding_an_action(page, org):
    interview = held_interview(org)
    log_in(page, org.manager.email)
    page.goto(page.base_url + f"/interviews/{interview.pk}/record/")
    page.get_by_label("What we agreed: Working environment").fill("The new office works well.")
    # Straight on to an action: the note must not be lost.
    page.get_by_text("Add an action").click()
    form = page.locator("#action-form")
    form.get_by_label("What").fill("Book a course in supervision")
    form.get_by_label("By when").fill(str(timezone.localdate() - datetime.timedelta(days=1)))
    form.get_by_label("How you will both know it is done").fill("The course is booked.")
    form.get_by_role("button", name="Add the action").click()
    # Refused: the fields are kept, with the reason beside the date.
    error = page.locator("#action-form").get_by_text("The date must lie in the future.")
    error.wait_for()
    assert page.locator("#action-form").get_by_label("What").input_value() == "Book a course in supervision"
    assert (
        page.get_by_label("What we agreed: Working environment").input_value() == "The new office works well."
    )
    shot(page, "05-refused-action-kept")
    page.locator("#action-form").get_by_label("By when").fill(
        str(timezone.localdate() + datetime.timedelta(days=30))
    )
    page.locator("#action-form").get_by_role("button", name="Add the action").click()
    page.locator("#record-actions").get_by_text("The action is added.").wait_for()
    assert (
        page.locator("#record-actions")
        .get_by_role("cell", name="Book a course in supervision", exact=True)
        .is_visible()
    )
    wait_saved(page)
    page.reload()
    assert (
        page.get_by_label("What we agreed: Working environment").input_value() == "The new office works well."
    )
    assert (
        page.locator("#record-actions")
        .get_by_role("cell", name="Book a course in supervision", exact=True)
        .is_visible()
    )
    # Typing after the action went in saves too: the version moved with the action.
    page.get_by_label("Conclusions").fill("A good talk.")
    wait_saved(page)
    record = InterviewRecord.objects.get(interview=interview)
    assert record.working_environment == "The new office works well." and record.conclusions == "A good talk."


@pytest.mark.parametrize("where", ["prep", "record"])
def test_a_session_that_ends_while_typing_loses_nothing(page, org, where):
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root], name="Talks 2026"),
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=timezone.now() + datetime.timedelta(days=20),
        duration_minutes=60,
    )
    if where == "prep":
        who, url, label, status = (
            org.employee,
            f"/interviews/{interview.pk}/",
            "Your answer: Work tasks",
            "#prep-status",
        )
    else:
        who, url, label, status = (
            org.manager,
            f"/interviews/{interview.pk}/record/",
            "What we agreed: Work tasks",
            "#record-status",
        )
    log_in(page, who.email)
    page.goto(page.base_url + url)
    page.get_by_label(label).fill("First thoughts.")
    wait_saved(page, status)
    page.context.clear_cookies()  # signed out elsewhere, or the cookie expired
    page.get_by_label(label).fill("First thoughts. And what I typed after the session ended.")
    notice = page.locator(status, has_text="You were signed out")
    notice.wait_for(timeout=10_000)
    assert page.get_by_label(label).input_value().endswith("after the session ended.")  # still in the box
    assert "Email address" not in page.inner_text(status)  # not the login page swapped in
    shot(page, f"06-signed-out-{where}")
    # The status line is written again by each retry of the autosave: on a busy machine the
    # link can be replaced under the click, which then goes nowhere. A person clicks again.
    for _attempt in range(3):
        page.locator(status).get_by_role("link", name="Sign in again").click()
        try:
            page.wait_for_url("**/accounts/login/**", timeout=5_000)
            break
        except Exception:  # noqa: BLE001 -- playwright's TimeoutError: click again
            continue
    page.get_by_label("Email address").fill(who.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert page.url.startswith(page.base_url + url)
    wait_saved(page, status)
    assert page.get_by_label(label).input_value().endswith("after the session ended.")
    if where == "prep":
        saved = PrepForm.objects.get(interview=interview, role="employee").work_tasks
    else:
        saved = InterviewRecord.objects.get(interview=interview).work_tasks
    assert saved == "First thoughts. And what I typed after the session ended."
    # Kept in the browser only until it was saved.
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('talk-draft:')).length") == 0


def test_a_dashboard_unit_opened_after_the_session_ended_asks_to_sign_in(page, org):
    from tests.factories import OrgUnitFactory, UserFactory

    cycle = CycleFactory(name="Talks 2026", units=[org.root])
    section = OrgUnitFactory(code="A1", name="Section A1", parent=org.unit_a)
    InterviewFactory(cycle=cycle, employee=UserFactory(unit=section), partner=org.manager, state="planned")
    log_in(page, org.hr.email)
    page.goto(page.base_url + f"/cycles/{cycle.pk}/dashboard/")
    page.context.clear_cookies()
    page.get_by_role("button", name="Sub-units of Department A").click()
    page.get_by_label("Email address").wait_for()
    assert page.locator("table.dashboard-table").count() == 0  # the login page, not inside the table
    page.get_by_label("Email address").fill(org.hr.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Back where they were: the unit's own page, listing its sub-units.
    assert (
        page.locator("table.dashboard-table").get_by_role("link", name="Section A1", exact=True).is_visible()
    )


def test_the_prep_form_counts_and_marks_sections_as_one_types_and_asks_before_sharing_gaps(page, org):
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root], name="Talks 2026"),
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=timezone.now() + datetime.timedelta(days=20),
        duration_minutes=60,
    )
    log_in(page, org.employee.email)
    page.locator('[data-todo="prepare"]').get_by_role("link").click()  # from home, one click
    counter = page.locator("#prep-answered")
    assert counter.inner_text() == "0 of 7 sections answered"
    page.get_by_label("Your answer: Work tasks").fill("Lab teaching.")
    assert counter.inner_text() == "1 of 7 sections answered"  # before any reload
    index = page.get_by_role("navigation", name="Sections of the preparation")
    assert index.locator('[data-mark-for="work_tasks"]').last.is_visible()
    assert index.locator('[data-mark-for="leadership"]').last.is_hidden()
    wait_saved(page, "#prep-status")
    page.get_by_role("button", name="Share with Mona Manager").click()
    asked = page.get_by_role("alert").filter(has_text="These 6 sections are still empty")
    assert "Leadership" in asked.inner_text() and "Work tasks" not in asked.inner_text()
    assert not Interview.objects.get(pk=interview.pk).employee_shared
    page.get_by_role("button", name="Share as it is").click()
    assert "Your preparation is shared with Mona Manager" in main_text(page)
    assert "Your preparation is shared with Mona Manager. Next: you meet" in page.inner_text("#next-step")
    assert Interview.objects.get(pk=interview.pk).employee_shared
    # On a phone the index is a compact menu.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_text("Jump to a section").click()
    page.get_by_role("link", name="5. Leadership").first.click()
    assert page.url.endswith("#section-leadership")
    shot(page, "07-prep-phone-index")
