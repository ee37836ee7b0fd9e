"""Helpers the interview views share: loading an interview for a user, or 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404

from interviews.models import Interview
from interviews.selectors import (
    interview_visible_to,
    prep_role_of,
)
from people.selectors import (
    hr_role_of,
)


def _require_hr(request):
    if hr_role_of(request.user) is None:
        raise Http404


def _interview(request, pk) -> Interview:
    interview = interview_visible_to(request.user, pk)
    if interview is None:
        raise Http404
    return interview


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


def page_of(rows, per_page: int, number, *, count=None) -> Page:
    """The asked-for page of rows, counting them in the database only when they do not fit
    on the first page.

    Most managers hold fewer interviews than fit on a page, and most units hold fewer than
    a page of them: the first page is read with one row more than fits, and when it is not
    full its length is the count, which spares the COUNT(*) over the same rows.

    count, if given, is called for the number of rows instead of counting them (a count
    kept from an earlier page); when it turns out too high for the asked-for page (rows
    left since), the rows are counted afresh.
    """
    if str(number or "1") != "1":
        paginator = _paginator(rows, per_page, count)
        page = paginator.get_page(number)
        if count is not None and not page.object_list and paginator.count:
            page = Paginator(rows, per_page).get_page(number)
        return page
    first = list(rows[: per_page + 1])
    if len(first) <= per_page:
        return Paginator(first, per_page).page(1)
    page = _paginator(rows, per_page, count).page(1)
    page.object_list = first[:per_page]  # read already: not again
    return page


def _paginator(rows, per_page: int, count) -> Paginator:
    paginator = Paginator(rows, per_page)
    if count is not None:
        # Paginator.count is a cached property: set, it is not counted in the database.
        paginator.count = count()
    return paginator
