"""Accessibility in a real browser: axe-core on every main page in both languages, and the
prep form filled and shared with the keyboard alone.

axe-core comes inside axe-playwright-python, so nothing is fetched from the network.
"""

import datetime

import pytest
from django.utils import timezone

from tests.conftest import ARTIFACTS, PASSWORD, log_in

# WCAG 2.1 A and AA; "serious" and "critical" are the impacts that block people.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
BLOCKING = {"serious", "critical"}


def blocking_violations(page) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 A/AA findings on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.fixture
def scene(org):
    """One cycle with an interview in each state a main page shows."""
    from interviews import records
    from tests.factories import CycleFactory, InterviewFactory

    cycle = CycleFactory(name="Talks 2026", units=[org.root])
    now = timezone.now()
    planned = InterviewFactory(cycle=cycle, employee=org.other_employee, partner=org.manager)
    to_sign = InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="held",
        starts_at=now - datetime.timedelta(hours=3),
        duration_minutes=60,
    )
    draft = InterviewFactory(
        cycle=cycle,
        employee=org.outsider,
        partner=org.other_manager,
        state="held",
        starts_at=now - datetime.timedelta(hours=3),
        duration_minutes=60,
    )
    for interview, partner in ((to_sign, org.manager), (draft, org.other_manager)):
        record, _ = records.record_save(
            interview=interview,
            by=partner,
            values={"work_tasks": "Less committee work.", "conclusions": "A good year."},
            expected_version=0,
        )
        records.action_add(
            interview=interview,
            by=partner,
            owner_kind="employee",
            what="Write the lab manual",
            due_on=timezone.localdate() + datetime.timedelta(days=30),
            standard="It is on the wiki",
        )
    records.record_sign(interview=to_sign, by=org.manager, password=PASSWORD)
    from people.services import api_token_create

    api_token_create(
        by=org.hr,
        name="HR system",
        scopes=["org:read", "org:write"],
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
        whole_organisation=True,
    )
    return {
        "login": (None, "/accounts/login/"),
        "home": (org.employee, "/"),
        "my interviews": (org.manager, "/interviews/"),
        "scheduling": (org.manager, f"/interviews/{planned.pk}/schedule/"),
        "prep form": (org.other_employee, f"/interviews/{planned.pk}/"),
        "record": (org.other_manager, f"/interviews/{draft.pk}/record/"),
        "signing": (org.employee, f"/interviews/{to_sign.pk}/record/"),
        "my actions": (org.employee, "/goals/actions/"),
        "dashboard": (org.hr, f"/cycles/{cycle.pk}/dashboard/"),
        "import": (org.hr, "/hr/import/"),
        "api tokens": (org.hr, "/hr/tokens/"),
        "new api token": (org.hr, "/hr/tokens/new/"),
    }


PAGES = ["login", "home", "my interviews", "scheduling", "prep form", "record", "signing"]
PAGES += ["my actions", "dashboard", "import", "api tokens", "new api token"]


@pytest.mark.real_services
@pytest.mark.parametrize("language", ["en", "nb"])
@pytest.mark.parametrize("name", PAGES)
def test_main_page_has_no_serious_accessibility_violation(page, scene, name, language):
    user, path = scene[name]
    if user is not None:
        user.language = language
        user.save(update_fields=["language"])
        log_in(page, user.email)
    else:
        page.context.set_extra_http_headers({"Accept-Language": language})
    response = page.goto(page.base_url + path)
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == language
    page.screenshot(path=ARTIFACTS / f"a11y-{name.replace(' ', '-')}-{language}.png", full_page=True)
    assert blocking_violations(page) == []


def tab_to(page, selector, *, limit=120):
    """Press Tab until the element matching selector has the focus, as a keyboard user does."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return target
    raise AssertionError(f"{selector} was not reached with {limit} presses of Tab")


@pytest.mark.real_services
def test_prep_form_is_filled_and_shared_with_the_keyboard_alone(page, scene, org):
    from interviews.models import PrepForm

    page.goto(page.base_url + "/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(org.other_employee.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(page.base_url + "/")
    # The home page's to-do list: the first item is "Prepare", one key press away.
    tab_to(page, f"main [data-todo='prepare'] a[href='{scene['prep form'][1]}#prep-heading']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/interviews/*/#prep-heading")

    tab_to(page, "#id_work_tasks")
    page.keyboard.type("Teaching, supervision and the lab.")
    tab_to(page, "#id_leadership")
    page.keyboard.type("More regular one-to-ones, please.")
    share = tab_to(page, "button:has-text('Share with')")
    # The focus is visible: Bootstrap draws a ring (box-shadow) or an outline on it.
    style = share.evaluate("e => { const s = getComputedStyle(e); return [s.boxShadow, s.outlineStyle]; }")
    assert style[0] != "none" or style[1] != "none"
    page.screenshot(path=ARTIFACTS / "keyboard-share-focused.png", full_page=False)
    page.keyboard.press("Enter")
    # Five sections are still empty: the page names them and asks; the keyboard confirms.
    confirm = tab_to(page, "button:has-text('Share as it is')")
    assert confirm.is_visible()
    page.keyboard.press("Enter")
    page.get_by_text("Your preparation is shared with Mona Manager.").wait_for()
    form = PrepForm.objects.get(author=org.other_employee)
    assert form.state == "shared"
    assert form.work_tasks == "Teaching, supervision and the lab."
    assert form.leadership == "More regular one-to-ones, please."
