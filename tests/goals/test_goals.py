import datetime

import pytest
from django.urls import reverse

from goals.models import UnitGoal
from goals.selectors import goal_units_managed_by
from interviews.models import LocalGuideline
from tests.factories import OrgUnitFactory


def test_head_of_unit_keeps_goals_of_their_subtree_only(org):
    sub = OrgUnitFactory(code="A1", parent=org.unit_a)
    assert set(goal_units_managed_by(org.manager)) == {org.unit_a, sub}
    assert org.unit_b not in goal_units_managed_by(org.manager)
    assert not goal_units_managed_by(org.employee).exists()
    assert set(goal_units_managed_by(org.hr_scoped_other)) == {org.unit_b}


def test_head_adds_a_goal_and_it_appears_on_the_list(login, org):
    client = login(org.manager)
    response = client.post(
        reverse("goals:unit_goals", args=[org.unit_a.pk]),
        {
            "title": "Open science",
            "description": "Publish data with papers",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
        },
        follow=True,
    )
    assert "The goal was added." in response.content.decode() and "Open science" in response.content.decode()
    assert UnitGoal.objects.get().created_by == org.manager


def test_goal_that_ends_before_it_starts_is_refused(login, org):
    response = login(org.manager).post(
        reverse("goals:unit_goals", args=[org.unit_a.pk]),
        {
            "title": "Backwards",
            "period_start": "2026-06-01",
            "period_end": "2026-01-01",
        },
    )
    assert "The goal must end after it starts." in response.content.decode()
    assert not UnitGoal.objects.exists()


def test_goal_edit_from_a_stale_page_is_refused(login, org):
    goal = UnitGoal.objects.create(unit=org.unit_a, title="First", period_start=datetime.date(2026, 1, 1))
    stale = goal.updated_at.isoformat()
    client = login(org.manager)
    url = reverse("goals:goal_edit", args=[goal.pk])
    data = {"title": "Second", "period_start": "2026-01-01", "based_on": stale}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "title": "Third"})
    assert "Someone else changed this goal meanwhile" in response.content.decode()
    goal.refresh_from_db()
    assert goal.title == "Second"


def test_goal_remove(login, org):
    goal = UnitGoal.objects.create(unit=org.unit_a, title="Gone", period_start=datetime.date(2026, 1, 1))
    login(org.director).post(reverse("goals:goal_remove", args=[goal.pk]))
    assert not UnitGoal.objects.exists()


@pytest.mark.parametrize("version", [0])
def test_guidelines_saved_by_hr_and_stale_save_refused(login, org, version):
    client = login(org.hr)
    url = reverse("interviews:guideline_edit", args=[org.unit_a.pk])
    data = {"text": "Use the new template.", "extra_prompts": "How is the move going?", "version": version}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "text": "Overwrite"})  # still based on version 0
    assert "Someone else changed these guidelines meanwhile" in response.content.decode()
    guideline = LocalGuideline.objects.get(unit=org.unit_a)
    assert (guideline.text, guideline.prompt_list(), guideline.version) == (
        "Use the new template.",
        ["How is the move going?"],
        1,
    )
