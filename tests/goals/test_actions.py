import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from goals.models import ActionProgressNote, AgreedAction


def make(org, *, owner, days, status="open", what="Do it", employee=None, partner=None):
    """An action from a talk of `employee` (the employee by default) with their partner then
    (in the org fixture: the manager for department A, the other manager for B)."""
    employee = employee or org.employee
    if partner is None:
        partner = org.manager if employee.unit_id == org.unit_a.pk else org.other_manager
    return AgreedAction.objects.create(
        source_model="interviews.InterviewRecord",
        source_id=1,
        employee=employee,
        partner=partner,
        owner_kind="employee" if owner == employee else "manager",
        owner=owner,
        what=what,
        due_on=timezone.localdate() + datetime.timedelta(days=days),
        standard="Both agree",
        status=status,
    )


def test_my_actions_groups_by_due_date_overdue_first(login, org):
    make(org, owner=org.employee, days=-3, what="Late one")
    make(org, owner=org.employee, days=3, what="Soon one")
    make(org, owner=org.employee, days=60, what="Later one")
    make(org, owner=org.employee, days=-30, status="done", what="Finished one")
    page = login(org.employee).get(reverse("goals:my_actions")).content.decode()
    positions = [
        page.index(text)
        for text in (
            "Overdue",
            "Late one",
            "Due within a week",
            "Soon one",
            "Later",
            "Later one",
            "Done or dropped",
            "Finished one",
        )
    ]
    assert positions == sorted(positions)


def test_owner_changes_status_with_a_dated_note(login, org):
    action = make(org, owner=org.employee, days=10)
    client = login(org.employee)
    response = client.post(
        reverse("goals:action_update", args=[action.pk]),
        {"status": "in_progress", "note": "First draft written"},
        follow=True,
    )
    assert "The action is updated." in response.content.decode()
    action.refresh_from_db()
    assert action.status == "in_progress"
    note = ActionProgressNote.objects.get()
    assert (note.author, note.text, note.status_after) == (org.employee, "First draft written", "in_progress")
    assert "First draft written" in response.content.decode()


def test_an_update_that_changes_nothing_is_explained(login, org):
    action = make(org, owner=org.employee, days=10)
    response = login(org.employee).post(
        reverse("goals:action_update", args=[action.pk]), {"status": "open"}, follow=True
    )
    assert "Nothing changed" in response.content.decode()
    assert not ActionProgressNote.objects.exists()


def test_manager_sees_the_actions_of_their_people(login, org):
    make(org, owner=org.employee, days=-1, what="Eva's overdue action")
    make(org, owner=org.outsider, days=5, what="Olga's action", employee=org.outsider)
    page = login(org.manager).get(reverse("goals:my_actions")).content.decode()
    assert "Actions of the people you hold interviews with" in page and "Eva&#x27;s overdue action" in page
    assert "Olga&#x27;s action" not in page  # Olga holds her interview with another manager


@pytest.mark.parametrize("role", ["director", "other_manager", "other_employee", "hr"])
def test_others_cannot_see_or_update_an_action(client, org, role):
    action = make(org, owner=org.employee, days=10, what="PRIVATE-action")
    client.force_login(getattr(org, role))
    assert "PRIVATE-action" not in client.get(reverse("goals:my_actions")).content.decode()
    assert (
        client.post(reverse("goals:action_update", args=[action.pk]), {"status": "done"}).status_code == 404
    )
    action.refresh_from_db()
    assert action.status == "open"


def test_my_actions_query_count_does_not_grow(login, org, django_assert_max_num_queries):
    for i in range(30):
        action = make(org, owner=org.employee, days=i - 10)
        ActionProgressNote.objects.create(action=action, author=org.employee, text="n", status_after="open")
    client = login(org.employee)
    # Session, user, menu roles and the reminder count, the actions with their people, and their notes.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("goals:my_actions")).status_code == 200


def test_actions_a_later_interview_reviewed_leave_my_actions(login, org):
    make(org, owner=org.employee, days=-400, status="done", what="Reviewed last year")
    make(org, owner=org.employee, days=-20, status="done", what="Done, still to review")
    make(org, owner=org.employee, days=5, what="Still open")
    AgreedAction.objects.filter(what="Reviewed last year").update(reviewed_at=timezone.now())
    for user in (org.employee, org.manager):
        page = login(user).get(reverse("goals:my_actions")).content.decode()
        assert "Done, still to review" in page and "Still open" in page
        assert "Reviewed last year" not in page
        assert "a later interview has followed up is kept with that interview" in page


def test_a_manager_reads_their_peoples_actions_in_a_table_whatever_their_number(
    login, org, django_assert_max_num_queries
):
    for i in range(40):
        make(org, owner=org.employee, days=i - 20, what=f"Eva's action {i}")
    make(org, owner=org.manager, days=3, what="The manager's own part")
    client = login(org.manager)
    # Session, user, menu facts, HR role, the manager's people, the actions, and the notes of their own.
    with django_assert_max_num_queries(9):
        page = client.get(reverse("goals:my_actions")).content.decode()
    theirs = page.split("Actions of the people you hold interviews with", 1)[1]
    assert all(f"Eva&#x27;s action {i}<" in theirs for i in range(40))
    # The owner updates an action; the manager follows up: a form only for the manager's own.
    assert "<form" not in theirs.split("</main>", 1)[0]
    assert reverse("goals:action_update", args=[AgreedAction.objects.get(owner=org.manager).pk]) in page
