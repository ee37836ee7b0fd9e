"""Cycles cannot overlap for a person: launching or adding people leaves out whoever has an
interview in another open cycle at the same time, and says who and where; both show a
preview HR confirms. Also the cycle form's tree of units."""

import contextlib
import datetime
import shutil
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from interviews import services
from interviews.launching import cycle_launch_plan, overlap_text
from interviews.models import Cycle, Interview
from interviews.services import cycle_add_missing, cycle_launch, interview_cancel, interview_reopen
from people.models import ReportingLine
from tests.conftest import ARTIFACTS, log_in
from tests.factories import CycleFactory, InterviewFactory, OrgUnitFactory, UserFactory

SHOTS = Path("/tmp/shots19")


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@pytest.fixture
def earlier(org):
    """An open cycle over the whole year 2026 in which the employee has an interview."""
    cycle = CycleFactory(name="Performance assessment interviews 2026", units=[org.root])
    InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)
    return cycle


def draft_of(org, opens: str, closes: str, name: str = "Autumn talks") -> Cycle:
    return CycleFactory(
        name=name, units=[org.root], state="draft", opens_on=day(opens), closes_on=day(closes)
    )


def confirm(client, url):
    """Open the preview and confirm what it shows, as HR does."""
    preview = client.get(url)
    assert preview.status_code == 200
    return client.post(url, {"plan": preview.context["plan"].digest, "confirm": "on"}, follow=True)


def test_launch_leaves_out_a_person_with_an_interview_in_an_overlapping_cycle(org, earlier):
    autumn = draft_of(org, "2026-09-01", "2026-12-15")
    result = cycle_launch(cycle=autumn, by=org.hr)
    assert (result.created, result.left_out) == (6, 1)
    assert not autumn.interviews.filter(employee=org.employee).exists()
    assert [overlap_text(group) for group in result.overlapping] == [
        "Eva Employee already has an interview in Performance assessment interviews 2026 "
        "(1 January 2026 – 31 December 2026)."
    ]


def test_launch_in_a_window_that_does_not_overlap_includes_everyone(org, earlier):
    result = cycle_launch(cycle=draft_of(org, "2027-01-01", "2027-12-31"), by=org.hr)
    assert (result.created, result.left_out) == (7, 0)
    assert Interview.objects.filter(employee=org.employee).count() == 2


def test_windows_that_share_one_day_overlap(org, earlier):
    # Both days are part of a cycle: closing on 31 December and opening on it is one day together.
    result = cycle_launch(cycle=draft_of(org, "2026-12-31", "2027-06-30"), by=org.hr)
    assert result.left_out == 1


@pytest.mark.parametrize("how", ["cancelled", "excused", "closed"])
def test_a_talk_not_taking_place_or_a_closed_cycle_holds_nobody_back(org, earlier, how):
    if how == "closed":
        Cycle.objects.filter(pk=earlier.pk).update(state=Cycle.State.CLOSED)
    else:
        earlier.interviews.update(state=how, reason="Parental leave")
    result = cycle_launch(cycle=draft_of(org, "2026-09-01", "2026-12-15"), by=org.hr)
    assert (result.created, result.left_out) == (7, 0)


def test_adding_people_leaves_out_those_who_got_an_interview_elsewhere_meanwhile(org, earlier):
    autumn = draft_of(org, "2026-09-01", "2026-12-15")
    cycle_launch(cycle=autumn, by=org.hr)
    newcomer = UserFactory(unit=org.unit_a, given_name="Nina", family_name="Newcomer")
    ReportingLine.objects.create(
        employee=newcomer, partner=org.manager, kind="head_of_unit", valid_from="2020-01-01"
    )
    InterviewFactory(cycle=earlier, employee=newcomer, partner=org.manager)
    result = cycle_add_missing(cycle=autumn, by=org.hr)
    assert (result.created, result.left_out) == (0, 2)
    assert "Eva Employee, Nina Newcomer already have an interview in" in overlap_text(result.overlapping[0])


def test_a_long_refusal_names_ten_people_and_counts_the_rest(org, earlier):
    for i in range(12):
        person = UserFactory(unit=org.unit_b, given_name="Person", family_name=f"{i:02d}")
        InterviewFactory(cycle=earlier, employee=person, partner=org.other_manager)
    text = overlap_text(cycle_launch_plan(draft_of(org, "2026-09-01", "2026-12-15")).overlapping[0])
    # By family name: the twelve (00 to 11), then Eva Employee.
    assert text.startswith("Person 00, Person 01,")
    assert "Person 09 and 3 more already have an interview in Performance assessment interviews 2026" in text
    assert "Person 10" not in text and "Eva" not in text


def test_reopening_is_refused_while_the_employee_has_an_interview_at_the_same_time(org, earlier):
    autumn = draft_of(org, "2026-09-01", "2026-12-15")
    interview = earlier.interviews.get(employee=org.employee)
    interview_cancel(interview=interview, by=org.manager, reason="Moved to the autumn talks")
    cycle_launch(cycle=autumn, by=org.hr)  # the employee is free now, and gets an autumn talk
    with pytest.raises(ValidationError, match="Eva Employee already has an interview in Autumn talks"):
        interview_reopen(interview=interview, by=org.manager)
    interview.refresh_from_db()
    assert interview.state == Interview.State.CANCELLED


# --- the preview ------------------------------------------------------------------------


def test_launch_page_previews_interviews_by_partner_and_who_is_left_out(login, org, earlier):
    autumn = draft_of(org, "2026-09-01", "2026-12-15")
    page = login(org.hr).get(reverse("interviews:cycle_launch", args=[autumn.pk])).content.decode()
    assert "Launching creates 6 interviews." in page and "3 interview partners hold them." in page
    # One row per partner with their count and the first names: Mona keeps only Emil here.
    assert '<td>Mona Manager</td><td class="text-end">1</td>\n        <td>Emil Otheremployee' in page
    assert '<td>Dora Director</td><td class="text-end">3</td>' in page
    assert "Eva Employee already has an interview in Performance assessment interviews 2026" in page
    assert "1 person has no interview partner and gets no interview for now: Dora Director" in page
    autumn.refresh_from_db()
    assert autumn.state == Cycle.State.DRAFT and not autumn.interviews.exists()  # looking changes nothing


def test_launch_needs_the_confirmation(login, org):
    autumn = draft_of(org, "2026-09-01", "2026-12-15")
    client = login(org.hr)
    response = client.post(reverse("interviews:cycle_launch", args=[autumn.pk]))
    assert response.status_code == 200 and "Confirm the launch" in response.content.decode()
    response = client.post(
        reverse("interviews:cycle_launch", args=[autumn.pk]), {"plan": "\x00", "confirm": "on"}
    )
    assert response.status_code == 200
    autumn.refresh_from_db()
    assert autumn.state == Cycle.State.DRAFT and not autumn.interviews.exists()


def test_confirmed_launch_says_who_was_left_out_and_where(login, org, earlier):
    autumn = draft_of(org, "2026-09-01", "2026-12-15")
    page = confirm(login(org.hr), reverse("interviews:cycle_launch", args=[autumn.pk])).content.decode()
    assert "The cycle is open: 6 interviews were created." in page
    assert "1 person was left out: they have an interview in a cycle at the same time." in page
    assert "Eva Employee already has an interview in Performance assessment interviews 2026" in page
    assert Interview.objects.filter(employee=org.employee).count() == 1


def test_a_preview_that_went_stale_is_shown_again_instead_of_applied(login, org):
    autumn = draft_of(org, "2026-09-01", "2026-12-15")
    url = reverse("interviews:cycle_launch", args=[autumn.pk])
    client = login(org.hr)
    digest = client.get(url).context["plan"].digest
    # Meanwhile another HR user launches a cycle at the same time for department A.
    cycle_launch(cycle=CycleFactory(name="Spring A", units=[org.unit_a], state="draft"), by=org.hr)
    response = client.post(url, {"plan": digest, "confirm": "on"})
    page = response.content.decode()
    assert response.status_code == 200 and "This changed since you opened the page" in page
    assert "Launching creates 4 interviews." in page and "already have an interview in Spring A" in page
    autumn.refresh_from_db()
    assert autumn.state == Cycle.State.DRAFT and not autumn.interviews.exists()
    # Confirming the new preview applies it.
    response = client.post(url, {"plan": response.context["plan"].digest, "confirm": "on"})
    assert response.status_code == 302 and autumn.interviews.count() == 4


def test_add_page_previews_and_adds_after_confirmation(login, org, earlier):
    newcomer = UserFactory(unit=org.unit_b, given_name="Nina", family_name="Newcomer")
    ReportingLine.objects.create(
        employee=newcomer, partner=org.other_manager, kind="immediate_superior", valid_from="2020-01-01"
    )
    url = reverse("interviews:cycle_add_missing", args=[earlier.pk])
    client = login(org.hr)
    page = client.get(url).content.decode()
    assert "Adding creates 7 interviews." in page and "Confirm and add" in page
    assert not earlier.interviews.filter(employee=newcomer).exists()
    page = confirm(client, url).content.decode()
    assert "7 interviews were added." in page
    assert earlier.interviews.filter(employee=newcomer).exists()
    assert "There is nobody to add now." in client.get(url).content.decode()


def test_launch_preview_query_count_does_not_grow_with_people(
    login, org, earlier, django_assert_max_num_queries
):
    for i in range(40):
        person = UserFactory(unit=org.unit_b, email=f"bulk{i}@example.org")
        ReportingLine.objects.create(
            employee=person, partner=org.other_manager, kind="immediate_superior", valid_from="2020-01-01"
        )
        if i % 4 == 0:
            InterviewFactory(cycle=earlier, employee=person, partner=org.other_manager)
    autumn = draft_of(org, "2026-09-01", "2026-12-15")
    client = login(org.hr)
    client.get(reverse("interviews:cycle_launch", args=[autumn.pk]))  # the session and the menu's facts
    # Session, user, the cycle and the plan's reads (the scope's units, the people, their lines,
    # interviews in this cycle and in overlapping ones): nothing per person.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("interviews:cycle_launch", args=[autumn.pk]))
    assert response.context["plan"].created == 36 and response.context["plan"].left_out == 11


def test_scoped_hr_cannot_preview_a_launch_over_other_units(login, org):
    autumn = draft_of(org, "2026-09-01", "2026-12-15")
    assert (
        login(org.hr_scoped_other).get(reverse("interviews:cycle_launch", args=[autumn.pk])).status_code
        == 404
    )


# --- the cycle page and the form -------------------------------------------------------


def test_draft_page_says_everyone_has_a_partner_instead_of_an_empty_table(login, org):
    cycle = CycleFactory(units=[org.unit_a], state="draft")  # everyone in A has a partner
    page = login(org.hr).get(reverse("interviews:cycle_detail", args=[cycle.pk])).content.decode()
    assert "Everyone in scope has an interview partner." in page
    assert "<table" not in page.split('id="missing-heading"')[1]


def test_draft_page_lists_who_a_launch_would_leave_out(login, org, earlier):
    cycle = draft_of(org, "2026-09-01", "2026-12-15")
    page = login(org.hr).get(reverse("interviews:cycle_detail", args=[cycle.pk])).content.decode()
    assert "1 person already has an interview in another open cycle at the same time" in page
    assert "launching creates an interview for the 6 who have an interview partner" in page
    assert "In another cycle at the same time" in page and "Eva Employee" in page


def test_cycle_form_offers_the_units_as_a_labelled_tree_with_search(login, org):
    OrgUnitFactory(code="A1", name="Section A1", parent=org.unit_a)
    page = login(org.hr).get(reverse("interviews:cycle_create")).content.decode()
    assert "<legend" in page and 'type="search"' in page and "Find a unit" in page
    assert "js/unit_tree.js" in page and "Hold Ctrl" not in page
    # Each unit under its parent, indented by its depth, each checkbox with its own label.
    tree = page.split("data-unit-tree")[1].split("</ul>")[0]
    order = [name for name in ("University", "Department A", "Section A1", "Department B") if name in tree]
    assert sorted(order, key=tree.index) == ["University", "Department A", "Section A1", "Department B"]
    assert 'class="tree-level-2"' in tree and tree.count('type="checkbox"') == 4
    assert tree.count('<label class="form-check-label" for="id_units_') == 4


# --- two launches at once ---------------------------------------------------------------


@pytest.mark.real_services
def test_two_launches_at_once_give_nobody_two_overlapping_interviews(
    require_postgres, transactional_db, org, monkeypatch
):
    spring = draft_of(org, "2026-01-01", "2026-06-30", name="Spring talks")
    summer = draft_of(org, "2026-06-01", "2026-09-30", name="Summer talks")
    barrier = threading.Barrier(2)
    results, failures = {}, []
    # Each launch, once it has planned, waits (up to two seconds) for the other to have planned
    # too: without the lock both would plan against an empty database and both create. With
    # it the second cannot plan until the first is done, so the first waits in vain.
    both_planned = threading.Barrier(2)
    plan = services.cycle_launch_plan

    def plan_then_wait(cycle):
        result = plan(cycle)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_planned.wait(timeout=2)
        return result

    monkeypatch.setattr(services, "cycle_launch_plan", plan_then_wait)

    def launch(cycle):
        try:
            barrier.wait(timeout=10)
            results[cycle.name] = cycle_launch(cycle=cycle, by=org.hr)
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=launch, args=(cycle,)) for cycle in (spring, summer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    # Whichever came second found the first one's interviews and left everybody out, naming it.
    first, second = sorted(results.values(), key=lambda result: result.created, reverse=True)
    assert (first.created, second.created, second.left_out) == (7, 0, 7)
    winner = next(name for name, result in results.items() if result is first)
    assert [group.cycle_name for group in second.overlapping] == [winner]
    assert "Eva Employee" in overlap_text(second.overlapping[0])
    assert Interview.objects.count() == 7
    assert Cycle.objects.filter(state=Cycle.State.OPEN).count() == 2


# --- screenshots ------------------------------------------------------------------------


def test_cycle_form_and_launch_preview_in_the_browser(page, org, earlier):
    OrgUnitFactory(code="A1", name="Section A1", parent=org.unit_a)
    OrgUnitFactory(code="B1", name="Research group B1", parent=org.unit_b)
    log_in(page, org.hr.email)
    page.goto(page.base_url + reverse("interviews:cycle_create"))
    page.get_by_label("Name").fill("Autumn talks 2026")
    search = page.get_by_label("Find a unit")
    search.fill("section")
    assert page.get_by_role("status").filter(has_text="1 unit matches.").count() == 1
    assert page.get_by_label("Department B").is_hidden() and page.get_by_label("Department A").is_visible()
    _shot(page, "cycle-form-search")
    # The keyboard alone: from the search box to the matching unit, ticked with the space bar.
    search.press("Escape")
    assert page.get_by_label("Department B").is_visible()
    search.fill("Department A")
    search.press("Enter")  # does not send the form
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert page.get_by_label("Department A").is_checked()
    search.fill("")
    search.press("Escape")
    assert "(included)" in page.get_by_text("Section A1").inner_text()
    page.get_by_label("Opens on").fill("2026-09-01")
    page.get_by_label("Closes on").fill("2026-12-15")
    _shot(page, "cycle-form")
    page.get_by_role("button", name="Save the cycle").click()
    assert "Everyone in scope has an interview partner." in page.locator("main").inner_text()
    page.get_by_role("link", name="Launch the cycle").click()
    assert "Eva Employee already has an interview" in page.locator("main").inner_text()
    _shot(page, "launch-preview")
    page.get_by_role("button", name="Confirm the launch").click()
    assert "The cycle is open: 2 interviews were created." in page.locator("main").inner_text()
    _shot(page, "launched")


def _shot(page, name):
    """A screenshot for a person to look at, and no serious accessibility violation."""
    from axe_playwright_python.sync_playwright import Axe

    from tests.test_accessibility import AXE_OPTIONS, BLOCKING

    path = ARTIFACTS / f"cycles-{name}.png"
    page.screenshot(path=path, full_page=True)
    if SHOTS.exists():
        shutil.copy(path, SHOTS / path.name)
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert [(v["id"], v["help"]) for v in violations if v["impact"] in BLOCKING] == []
