"""The whole year as its users play it, in a real browser against the live server.

HR imports the organisation and launches a cycle, a manager books a meeting, the employee
prepares over two visits and shares, both sign the record, time moves on to an agreed
action's reminder, and HR's dashboard goes from 0 % to what was done. Every step leaves a
screenshot in ARTIFACTS/journey/ (outside the checkout), and every assertion is about what a person sees.
"""

import datetime
import re
import shutil
import subprocess

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tests.conftest import ARTIFACTS, PASSWORD, log_in

SHOTS = ARTIFACTS / "journey"

UNITS = """code,name,parent_code,head_employee_number
UNI,University of Fjordby,,1000
FAC,Faculty of Science,UNI,1001
PHY,Department of Physics,FAC,1002
"""
PEOPLE = """employee_number,given_name,family_name,email,job_kind,unit_code,partner_employee_number,partner_kind,language
1000,Rita,Rektor,rita@fjordby.example,academic,UNI,,,en
1001,Dag,Dekan,dag@fjordby.example,academic,FAC,1000,head_of_unit,en
1002,Hilde,Instituttleder,hilde@fjordby.example,academic,PHY,1001,head_of_unit,en
1003,Åse,Ærlig,ase@fjordby.example,academic,PHY,1002,head_of_unit,en
1004,Tor,Tekniker,tor@fjordby.example,technical,PHY,1002,research_group_leader,en
"""


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def main_text(page):
    return page.inner_text("main")


def wait_saved(page):
    """Autosave runs a second after typing stops; wait for the page to say it saved."""
    page.locator("#prep-status", has_text="Saved at").wait_for(timeout=10_000)
    page.locator(".htmx-request").wait_for(state="detached", timeout=10_000)


@pytest.mark.real_services
def test_a_whole_year_in_the_browser(page, tmp_path):
    from goals.models import AgreedAction
    from interviews.calendar_rules import next_working_day
    from tests.factories import HRRoleFactory, UserFactory

    hr = UserFactory(email="hr@fjordby.example", given_name="Hanne", family_name="Hr", unit=None)
    HRRoleFactory(user=hr, whole_organisation=True)
    today = timezone.localdate()

    # 1. HR imports the organisation from the HR system's files, then opens and launches a cycle.
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "people.csv").write_text(PEOPLE, encoding="utf-8-sig")  # as a spreadsheet saves it
    log_in(page, hr.email)
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("Units file").set_input_files(tmp_path / "units.csv")
    page.get_by_label("People file", exact=True).set_input_files(tmp_path / "people.csv")
    page.get_by_role("button", name="Check").click()
    summary = page.get_by_role("row", name=re.compile(r"^People"))
    assert summary.get_by_role("cell").first.inner_text() == "5"  # five people to create
    shot(page, "01-import-checked")
    page.get_by_role("button", name="Apply the import").click()
    assert "What changed" in main_text(page)

    page.get_by_role("link", name="Cycles", exact=True).click()
    page.get_by_role("link", name="New cycle").click()
    page.get_by_label("Name").fill("Performance assessment interviews 2027")
    page.get_by_role("checkbox", name="University of Fjordby").check()
    page.get_by_label("Opens on").fill(str(today))
    page.get_by_label("Closes on").fill(str(today + datetime.timedelta(days=120)))
    page.get_by_role("button", name="Save the cycle").click()
    # Rita heads the university and has nobody above her: HR is told before launching.
    assert "1 person has no interview partner" in main_text(page)
    page.get_by_role("link", name="Launch the cycle").click()
    # A preview first: how many interviews, with whom, and who has no partner.
    assert "Launching creates 4 interviews." in main_text(page)
    page.get_by_role("button", name="Confirm the launch").click()
    assert "4 interviews; 0 % signed." in main_text(page)
    shot(page, "02-cycle-launched")
    page.get_by_role("link", name="Open the dashboard").click()
    completion = page.locator(".card", has_text="Completion")
    assert "0 %" in completion.inner_text() and "0 of 4 signed" in completion.inner_text()
    shot(page, "03-dashboard-at-launch")

    # Imported people sign in after choosing a password from the reset email.
    for person in ("hilde@fjordby.example", "ase@fjordby.example"):
        page.context.clear_cookies()
        page.goto(page.base_url + "/accounts/password_reset/")
        page.get_by_label("Email").fill(person)
        page.get_by_role("button", name="Send the link").click()
        link = re.search(r"/accounts/reset/\S+/", mail.outbox[-1].body).group(0)
        page.goto(page.base_url + link)
        page.get_by_label("New password", exact=False).first.fill(PASSWORD + "-journey")
        page.get_by_label("New password confirmation", exact=False).fill(PASSWORD + "-journey")
        page.get_by_role("button", name="Save the password").click()
        assert "password has been set" in main_text(page).lower() or "log in" in main_text(page).lower()
    password = PASSWORD + "-journey"

    # 2. The manager books the meeting: too soon first, explained, then fixed.
    mail.outbox.clear()
    log_in(page, "hilde@fjordby.example", password)
    page.get_by_role("link", name="My interviews").first.click()
    page.get_by_role("link", name="Book Åse Ærlig").click()
    page.get_by_label("Date").fill(str(today + datetime.timedelta(days=3)))
    page.get_by_label("Start time").fill("10:00")
    page.get_by_role("button", name="Book the meeting").click()
    # The date input's minimum (the cycle's notice) keeps the browser from sending it.
    assert page.get_by_label("Date").evaluate("input => input.validity.rangeUnderflow")
    # A Sunday after the notice passes the browser; the server explains.
    after_notice = today + datetime.timedelta(days=14)
    page.get_by_label("Date").fill(str(after_notice + datetime.timedelta(days=6 - after_notice.weekday())))
    page.get_by_role("button", name="Book the meeting").click()
    assert "is a Sunday, not a working day" in main_text(page)
    shot(page, "04-booking-too-soon")
    meeting_day = next_working_day(today + datetime.timedelta(days=21))
    page.get_by_label("Date").fill(str(meeting_day))
    page.get_by_label("Place or video link").fill("Room 3.14, Physics building")
    page.get_by_role("button", name="Book the meeting").click()
    assert "The meeting is booked" in main_text(page)
    invitation = next(m for m in mail.outbox if "ase@fjordby.example" in m.to)
    assert [part.get_content_type() for part in invitation.attachments] == ["text/calendar"]
    # The manager prepares too, and shares.
    page.get_by_label("Your answer: Work tasks").fill("Åse carries the first-year lab; I want to lighten it.")
    wait_saved(page)
    page.get_by_role("button", name="Share with Åse Ærlig").click()
    page.get_by_role("button", name="Share as it is").click()  # six sections empty: asked first
    assert "Your preparation is shared with Åse Ærlig" in main_text(page)
    shot(page, "05-manager-booked-and-shared")

    # 3. The employee prepares over two visits, then shares and reads the manager's form.
    log_in(page, "ase@fjordby.example", password)
    page.get_by_role("link", name="Performance assessment interviews 2027").click()  # from home
    page.get_by_label("Your answer: Work tasks").fill("Lab teaching, two PhD students, the cryostat.")
    wait_saved(page)
    shot(page, "06-employee-first-visit")
    log_in(page, "ase@fjordby.example", password)  # a new session: the second visit
    page.get_by_role("link", name="Performance assessment interviews 2027").click()  # from home
    assert page.get_by_label("Your answer: Work tasks").input_value().startswith("Lab teaching")
    page.get_by_label("Your answer: Leadership").fill("Clear priorities; more time for one-to-ones.")
    wait_saved(page)
    page.get_by_role("button", name="Share with Hilde Instituttleder").click()
    # Five sections are still empty: the page names them and asks before sharing.
    assert "These 5 sections are still empty:" in main_text(page)
    page.get_by_role("button", name="Share as it is").click()
    assert "Åse carries the first-year lab" in main_text(page)  # the manager's shared answer
    shot(page, "07-employee-shared-reads-manager")

    # 4. After the meeting: the manager records two actions, both sign, the employee takes the PDF.
    after_meeting = timezone.make_aware(datetime.datetime.combine(meeting_day, datetime.time(12, 0)))
    with time_machine.travel(after_meeting, tick=True):
        log_in(page, "hilde@fjordby.example", password)
        page.get_by_role("link", name="My interviews").first.click()
        page.get_by_role("link", name="Åse Ærlig").first.click()
        page.get_by_role("button", name="Mark the interview held").click()
        page.get_by_role("link", name="Write and sign the record").click()
        page.get_by_label("What we agreed: Work tasks").fill(
            "Hand the first-year lab to a new lecturer by spring."
        )
        page.get_by_label("Conclusions").fill("A good year with a heavy teaching load.")
        page.get_by_role("button", name="Save the record").click()
        for who, what, days in (
            ("employee", "Write the cryostat manual", 30),
            ("manager", "Find a lecturer for the first-year lab", 60),
        ):
            page.get_by_text("Add an action").click()
            page.get_by_label("Who does it").select_option(who)
            page.locator("#id_what").fill(what)
            page.get_by_label("By when").fill(str(meeting_day + datetime.timedelta(days=days)))
            page.get_by_label("How you will both know it is done").fill("Both have seen it")
            page.get_by_role("button", name="Add the action").click()
            # Added in place: the list shows it without a reload.
            page.locator("#record-actions").get_by_role("cell", name=what, exact=True).wait_for()
        page.get_by_label("Your password").fill(password)
        page.get_by_role("button", name="Sign the record").click()
        assert "You have signed the record." in main_text(page)

        log_in(page, "ase@fjordby.example", password)
        page.get_by_role("link", name="Performance assessment interviews 2027").click()
        page.get_by_role("link", name="Read and sign the record").click()
        assert "Write the cryostat manual" in main_text(page)
        page.get_by_label("Your comment (optional)").fill("Agreed.")
        page.get_by_label("Your password").fill(password)
        page.get_by_role("button", name="Sign the record").click()
        assert "signed by both of you and locked" in main_text(page)
        shot(page, "08-record-signed")
        with page.expect_download() as download:
            page.get_by_role("link", name=re.compile("PDF")).first.click()
        pdf = download.value.path()
        assert pdf.read_bytes().startswith(b"%PDF")
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
            assert "Åse Ærlig" in text and "Write the cryostat manual" in text

    # 5. Time moves on: a week before the manual is due its owner is reminded, and marks it done.
    from interviews.tasks import reminders_sweep

    reminder_day = timezone.make_aware(
        datetime.datetime.combine(meeting_day + datetime.timedelta(days=24), datetime.time(7, 0))
    )
    with time_machine.travel(reminder_day, tick=True):
        mail.outbox.clear()
        reminders_sweep()
        reminders_sweep()  # a repeated run sends nothing twice
        to_ase = [m for m in mail.outbox if m.to == ["ase@fjordby.example"]]
        # It says that an action is due and where; what was agreed is read after signing in.
        assert len(to_ase) == 1 and to_ase[0].subject.startswith("An agreed action is due on")
        assert "Write the cryostat manual" not in to_ase[0].subject + to_ase[0].body
        log_in(page, "ase@fjordby.example", password)
        page.get_by_role("link", name=re.compile("^Reminders")).click()
        assert "Write the cryostat manual" not in main_text(page)
        shot(page, "09-reminder-in-the-app")
        # One click from the reminder to the action itself.
        page.get_by_role("link", name=re.compile("^An agreed action is due on")).click()
        action = AgreedAction.objects.get(what="Write the cryostat manual")
        assert page.url.endswith(f"#action-{action.pk}")
        card = page.locator(f"#action-{action.pk}")
        assert "Write the cryostat manual" in card.inner_text()
        card.get_by_label("Status").select_option("done")
        card.get_by_label("Progress note").fill("Manual on the group wiki.")
        card.get_by_role("button", name="Update").click()
        card = page.locator("div.border", has_text="Write the cryostat manual")
        assert "Manual on the group wiki." in card.inner_text()
        shot(page, "10-action-done")
        assert AgreedAction.objects.get(what="Write the cryostat manual").status == "done"

        # 6. HR's dashboard has moved: one of four signed, both preparations shared, one action open.
        log_in(page, hr.email)
        page.get_by_role("link", name="Cycles", exact=True).click()
        page.get_by_role("link", name="Performance assessment interviews 2027", exact=True).click()
        page.get_by_role("link", name="Open the dashboard").click()
        completion = page.locator(".card", has_text="Completion").inner_text()
        assert "25 %" in completion and "1 of 4 signed" in completion
        prep = page.locator(".card", has_text="Preparation shared").inner_text()
        assert "Employees shared 1 of 4, managers shared 1 of 4" in prep
        assert page.locator(".card", has_text="Open agreed actions").locator(".fs-3").inner_text() == "1"
        assert page.locator(".card", has_text="Without a partner").locator(".fs-3").inner_text() == "1"
        shot(page, "11-dashboard-after")
