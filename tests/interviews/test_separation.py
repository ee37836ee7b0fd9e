"""Separation of duties: nobody uses HR's (or a partner's) powers on an interview in which
they are the employee. HR for the whole organisation is also an employee with an interview
of their own (with the director); in it they are only the employee.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from interviews import services
from interviews.models import Interview
from interviews.selectors import interview_changeable_by
from tests.factories import CycleFactory, InterviewFactory


@pytest.fixture
def own(org):
    """HR's own interview, with the director, in a cycle over the whole organisation (HR's scope)."""
    return InterviewFactory(cycle=CycleFactory(units=[org.root]), employee=org.hr, partner=org.director)


@pytest.mark.parametrize("action", ["cancelled", "excused", "reopen", "schedule", "hold"])
def test_changeable_by_refuses_every_power_to_the_interviews_own_employee(org, own, action):
    assert not interview_changeable_by(own, org.hr, action=action)
    assert interview_changeable_by(own, org.director, action=action)  # the partner keeps them


@pytest.mark.parametrize("service", [services.interview_cancel, services.interview_excuse])
def test_hr_cannot_end_their_own_interview_through_the_service(org, own, service):
    with pytest.raises(ValidationError):
        service(interview=own, by=org.hr, reason="I would rather not", expected_version=own.version)
    own.refresh_from_db()
    assert (own.state, own.reason) == (Interview.State.PLANNED, "")


def test_hr_cannot_reopen_their_own_interview_through_the_service(org, own):
    Interview.objects.filter(pk=own.pk).update(state=Interview.State.CANCELLED, reason="Away")
    own.refresh_from_db()
    with pytest.raises(ValidationError):
        services.interview_reopen(interview=own, by=org.hr, expected_version=own.version)
    own.refresh_from_db()
    assert (own.state, own.reason) == (Interview.State.CANCELLED, "Away")


@pytest.mark.parametrize("name", ["interviews:interview_cancel", "interviews:interview_excuse"])
def test_hr_posting_to_end_their_own_interview_gets_404_and_nothing_changes(login, org, own, name):
    response = login(org.hr).post(
        reverse(name, args=[own.pk]), {"reason": "I would rather not", "version": own.version}
    )
    # The view asks interview_changeable_by first: to HR in their own talk these are no pages.
    assert response.status_code == 404
    own.refresh_from_db()
    assert (own.state, own.reason) == (Interview.State.PLANNED, "")


def test_hr_posting_to_reopen_their_own_interview_gets_404_and_nothing_changes(login, org, own):
    Interview.objects.filter(pk=own.pk).update(state=Interview.State.EXCUSED, reason="Leave")
    own.refresh_from_db()
    response = login(org.hr).post(
        reverse("interviews:interview_reopen", args=[own.pk]), {"version": own.version}
    )
    assert response.status_code == 404
    own.refresh_from_db()
    assert (own.state, own.reason) == (Interview.State.EXCUSED, "Leave")


def test_hr_sees_no_cancel_excuse_or_reopen_controls_on_their_own_interview(login, org, own):
    client = login(org.hr)
    page = client.get(reverse("interviews:interview_detail", args=[own.pk])).content.decode()
    assert reverse("interviews:interview_cancel", args=[own.pk]) not in page
    assert reverse("interviews:interview_excuse", args=[own.pk]) not in page
    assert "Cancel or excuse" not in page
    Interview.objects.filter(pk=own.pk).update(state=Interview.State.CANCELLED, reason="Away")
    page = client.get(reverse("interviews:interview_detail", args=[own.pk])).content.decode()
    assert reverse("interviews:interview_reopen", args=[own.pk]) not in page
    # The partner still has them.
    page = login(org.director).get(reverse("interviews:interview_detail", args=[own.pk])).content.decode()
    assert reverse("interviews:interview_reopen", args=[own.pk]) in page


def test_hr_still_cancels_somebody_elses_interview_in_their_scope(login, org, own):
    other = InterviewFactory(
        cycle=own.cycle,
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=timezone.now() + datetime.timedelta(days=30),
        duration_minutes=60,
    )
    client = login(org.hr)
    page = client.get(reverse("interviews:interview_detail", args=[other.pk])).content.decode()
    assert reverse("interviews:interview_cancel", args=[other.pk]) in page
    response = client.post(
        reverse("interviews:interview_cancel", args=[other.pk]),
        {"reason": "Left the organisation", "version": other.version},
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.state, other.reason) == (Interview.State.CANCELLED, "Left the organisation")
