"""Pages in a real browser: Debian's Chromium driven by Playwright, against a live server.

Screenshots land in ARTIFACTS (tests/conftest.py: outside the checkout) for a person to look at.
"""

import pytest

from tests.conftest import ARTIFACTS, PASSWORD, log_in


@pytest.mark.real_services
@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("employee", "You hold your performance assessment interview with Mona Manager"),
        ("manager", "You hold interviews with 2 people"),
        ("director", "You hold interviews with 3 people"),
        ("hr", "You are HR for the whole organisation."),
        ("hr_scoped_other", "You are HR for: Department B"),
        ("admin", "Users, roles and every record"),
    ],
)
def test_home_page_in_a_browser_for_each_role(page, org, role, sees):
    log_in(page, getattr(org, role).email)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    assert sees in page.inner_text("main")
    page.screenshot(path=ARTIFACTS / f"home-{role}.png", full_page=True)


@pytest.mark.real_services
def test_hr_browses_the_tree_and_switches_to_norwegian(page, org):
    log_in(page, org.hr.email)
    page.get_by_role("link", name="Organisation").first.click()
    page.get_by_role("link", name="Department A").click()
    assert "Eva Employee" in page.inner_text("main")
    page.get_by_label("Language").select_option("nb")
    page.get_by_role("button", name="Change").click()
    assert page.get_by_role("heading", level=2, name="Personer og samtalepartnerne deres").is_visible()
    page.screenshot(path=ARTIFACTS / "unit-detail-nb.png", full_page=True)


@pytest.mark.real_services
def test_manager_books_a_meeting_sees_a_rule_explained_and_fixes_it(page, org):
    import datetime

    from django.utils import timezone

    from interviews.calendar_rules import next_working_day
    from interviews.models import Interview
    from tests.factories import CycleFactory, InterviewFactory

    today = timezone.localdate()
    cycle = CycleFactory(units=[org.root], opens_on=today, closes_on=today + datetime.timedelta(days=90))
    interview = InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)
    log_in(page, org.manager.email)
    page.get_by_role("link", name="My interviews").first.click()
    page.screenshot(path=ARTIFACTS / "my-interviews.png", full_page=True)
    page.get_by_role("link", name="Book Eva Employee").click()
    # Too soon for the cycle's notice: the date input's own minimum keeps the browser from sending it.
    page.get_by_label("Date").fill(str(today + datetime.timedelta(days=2)))
    page.get_by_label("Start time").fill("10:00")
    page.get_by_role("button", name="Book the meeting").click()
    assert page.get_by_label("Date").evaluate("input => input.validity.rangeUnderflow")
    # A Saturday after the notice passes the browser; the server explains.
    after_notice = today + datetime.timedelta(days=14)
    saturday = after_notice + datetime.timedelta(days=(5 - after_notice.weekday()) % 7)
    page.get_by_label("Date").fill(str(saturday))
    page.get_by_role("button", name="Book the meeting").click()
    assert "is a Saturday, not a working day" in page.inner_text("main")
    page.screenshot(path=ARTIFACTS / "schedule-rule-violated.png", full_page=True)
    page.get_by_label("Date").fill(str(next_working_day(today + datetime.timedelta(days=20))))
    page.get_by_label("Place or video link").fill("Room 101")
    page.get_by_role("button", name="Book the meeting").click()
    assert "The meeting is booked" in page.inner_text("main")
    interview.refresh_from_db()
    assert interview.state == Interview.State.SCHEDULED and interview.place == "Room 101"


@pytest.mark.real_services
def test_prep_form_autosaves_and_a_second_tab_cannot_overwrite(page, org):
    from interviews.models import PrepForm
    from tests.factories import CycleFactory, InterviewFactory

    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]), employee=org.employee, partner=org.manager
    )
    log_in(page, org.employee.email)
    url = f"{page.base_url}/interviews/{interview.pk}/"
    page.goto(url)
    other_tab = page.context.new_page()
    other_tab.goto(url)  # opened before anything was saved: its version is out of date soon

    page.get_by_label("Your answer: Work tasks").fill("Teaching and supervision")
    page.get_by_text("Saved at").wait_for(timeout=10_000)
    page.get_by_label("Your answer: Leadership").fill("More regular check-ins, please")
    page.get_by_role("button", name="Save", exact=True).focus()  # leaving the box saves at once
    # Locator waits, not a JavaScript predicate: the page's CSP forbids evaluating strings.
    page.locator("#prep-status", has_text="Saved at").wait_for(timeout=10_000)
    page.locator(".htmx-request").wait_for(state="detached", timeout=10_000)
    page.wait_for_timeout(1500)  # let the debounced save of the last box finish
    page.screenshot(path=ARTIFACTS / "prep-autosaved.png", full_page=True)
    form = PrepForm.objects.get()
    assert (form.work_tasks, form.leadership) == (
        "Teaching and supervision",
        "More regular check-ins, please",
    )
    # The page carries the version it saved last, so its next save is accepted.
    assert page.locator("#prep-version").input_value() == str(form.version)

    other_tab.get_by_label("Your answer: Work tasks").fill("Typed in an old tab")
    other_tab.get_by_text("Not saved").wait_for(timeout=10_000)
    assert "Teaching and supervision" in other_tab.inner_text("#prep-status")
    other_tab.screenshot(path=ARTIFACTS / "prep-conflict.png", full_page=True)
    assert PrepForm.objects.get().work_tasks == "Teaching and supervision"

    page.reload()
    assert page.get_by_label("Your answer: Work tasks").input_value() == "Teaching and supervision"


@pytest.mark.real_services
def test_manager_records_and_both_sign_in_the_browser(page, org):
    import datetime

    from django.utils import timezone

    from interviews.models import Interview, InterviewRecord
    from tests.factories import CycleFactory, InterviewFactory

    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]),
        employee=org.employee,
        partner=org.manager,
        state="held",
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        duration_minutes=60,
    )
    log_in(page, org.manager.email)
    page.goto(f"{page.base_url}/interviews/{interview.pk}/record/")
    page.get_by_label("What we agreed: Work tasks").fill("Less committee work, one lab afternoon a week.")
    page.get_by_label("Conclusions").fill("A good year.")
    page.get_by_role("button", name="Save the record").click()
    page.get_by_text("Add an action").click()
    page.get_by_label("Who does it").select_option("manager")
    page.locator("#id_what").fill("Set up check-ins every second week")
    page.get_by_label("By when").fill(str(timezone.localdate() + datetime.timedelta(days=30)))
    page.get_by_label("How you will both know it is done").fill("Three check-ins held")
    page.get_by_role("button", name="Add the action").click()
    # Added in place, without a reload of what is typed elsewhere on the page.
    page.locator("#record-actions").get_by_role(
        "cell", name="Set up check-ins every second week", exact=True
    ).wait_for()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the record").click()
    assert "You have signed the record." in page.inner_text("main")

    log_in(page, org.employee.email)
    page.goto(f"{page.base_url}/interviews/{interview.pk}/record/")
    assert "Set up check-ins every second week" in page.inner_text("main")
    page.get_by_label("Your comment (optional)").fill("Agreed, with one reservation about teaching.")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the record").click()
    assert "signed by both of you and locked" in page.inner_text("main")
    page.screenshot(path=ARTIFACTS / "record-signed.png", full_page=True)
    with page.expect_download() as download:
        page.evaluate(
            "url => { const a = document.createElement('a'); a.href = url; a.download = 's.pdf'; a.click(); }",
            f"/interviews/{interview.pk}/record/1/summary.pdf",
        )
    assert download.value.path().read_bytes().startswith(b"%PDF")
    interview.refresh_from_db()
    assert interview.state == Interview.State.SIGNED and InterviewRecord.objects.get().is_locked


@pytest.mark.real_services
def test_hr_dashboard_opens_sub_units_with_the_keyboard(page, org):
    from interviews.models import Interview
    from tests.factories import CycleFactory, InterviewFactory, OrgUnitFactory, UserFactory

    cycle = CycleFactory(name="Talks 2026", units=[org.root])
    section = OrgUnitFactory(code="A1", name="Section A1", parent=org.unit_a)
    for state, employee in (("signed", org.employee), ("planned", org.other_employee)):
        InterviewFactory(cycle=cycle, employee=employee, partner=org.manager, state=state)
    InterviewFactory(cycle=cycle, employee=UserFactory(unit=section), partner=org.manager, state="scheduled")
    InterviewFactory(cycle=cycle, employee=org.outsider, partner=org.other_manager, state="excused")
    assert Interview.objects.count() == 4

    log_in(page, org.hr.email)
    page.goto(page.base_url + f"/cycles/{cycle.pk}/dashboard/")
    assert page.get_by_role("figure", name="Where each unit stands").is_visible()
    table = page.locator("table.dashboard-table")
    assert table.get_by_role("link", name="Department A", exact=True).is_visible()
    assert table.get_by_text("Section A1").count() == 0  # the third level loads when opened
    toggle = page.get_by_role("button", name="Sub-units of Department A")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.focus()
    page.keyboard.press("Enter")
    section_row = table.get_by_role("link", name="Section A1", exact=True)
    section_row.wait_for()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.screenshot(path=ARTIFACTS / "dashboard-hr.png", full_page=True)
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert section_row.is_hidden()

    # The head of department A reaches the dashboard from home and sees department A only.
    log_in(page, org.manager.email)
    page.get_by_role("link", name="Dashboard: Talks 2026").click()
    assert "Department A" in page.inner_text("main") and "Department B" not in page.inner_text("main")
    page.get_by_role("link", name="Over time").click()
    assert page.get_by_role("heading", name="Completion week by week").is_visible()
    page.screenshot(path=ARTIFACTS / "dashboard-progress-head.png", full_page=True)
