"""Helpers the interview views share: loading an interview for a user, or 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404

from interviews.models import Interview
from interviews.selectors import (
    interviews_visible_to,
    prep_role_of,
)
from people.selectors import (
    hr_role_of,
)


def _require_hr(request):
    if hr_role_of(request.user) is None:
        raise Http404


def _interview(request, pk) -> Interview:
    return get_object_or_404(interviews_visible_to(request.user), pk=pk)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _party_interview(request, pk) -> Interview:
    """An interview the user is one of the two parties of; anybody else gets 404."""
    interview = _interview(request, pk)
    if prep_role_of(interview, request.user) is None:
        raise Http404
    return interview


def run_step(request, step, done: str) -> bool:
    """Run a service call; show its refusal, or the done message. Returns whether it ran."""
    try:
        step()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, done)
    return True
