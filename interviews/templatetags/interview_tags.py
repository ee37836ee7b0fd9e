"""Small pieces of an interview's status that long tables repeat on every row, and the
rows of the two long tables themselves.

Tags rather than included fragments: an include per cell costs a template render each,
which a list of a hundred interviews pays hundreds of times. Each piece is built once per
language and value (a handful in all) and then reused, instead of translating the same
few words again on every row.

The rows of the manager's list and of HR's drill-down are built here with format_html's escaping
rather than in the template. Measured at 10,000 employees (bench/load.py), the template
language spent about 0.3 ms on each such row (variable lookups, filters, {% url %}),
15 to 20 ms for a page of fifty, most of the page's time; format_html does the same in a
tenth of that. The markup stays in one place per row, and escapes as the template would.
"""

import html
from functools import lru_cache

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django import template
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from interviews.forms import ActionForm, SignForm, SsoSignForm
from interviews.models import Interview
from people.models import User
from people.rendering import row_date, row_url

register = template.Library()

BADGE_CLASSES = {
    "signed": "text-bg-success",
    "held": "text-bg-info",
    "scheduled": "text-bg-primary",
    "planned": "text-bg-light border",
}


@lru_cache(maxsize=64)
def _badge(language: str, state: str) -> SafeString:
    # The language is part of the key: the label is translated into the active one.
    label = Interview.State(state).label if state in Interview.State.values else state
    return format_html(
        '<span class="badge {}">{}</span>', BADGE_CLASSES.get(state, "text-bg-secondary"), label
    )


@register.simple_tag
def state_badge(interview) -> SafeString:
    """The interview's state as a coloured badge (cancelled and excused in grey)."""
    return _badge(get_language(), interview.state)


@lru_cache(maxsize=64)
def _prep(language: str, employee_shared: bool, manager_shared: bool, manager_label: str) -> SafeString:
    shared = format_html('<span class="text-success">{}</span>', _("shared"))
    not_yet = _("not yet")
    return format_html(
        "{}: {}<br>{}: {}",
        _("Employee"),
        shared if employee_shared else not_yet,
        manager_label or _("Manager"),
        shared if manager_shared else not_yet,
    )


@register.simple_tag
def prep_shared(interview, *, manager_label: str = "") -> SafeString:
    """Whether each party has shared their preparation (status only, never content)."""
    return _prep(get_language(), interview.employee_shared, interview.manager_shared, str(manager_label))


# --- whole rows ----------------------------------------------------------------------


@lru_cache(maxsize=16)
def _list_words(language: str) -> dict[str, str]:
    return {
        "you": _("You"),
        "book": _("Book"),
        "move": _("Move"),
        "cancel": _("Cancel…"),
        "pdf": _("PDF"),
    }


class _Page:
    """What every row of one page shares, looked up once per page: the active language, time
    zone and script prefix each cost a context-local lookup, several times a row."""

    def __init__(self):
        self.language = get_language()
        self.zone = timezone.get_current_timezone_name()
        self.prefix = get_script_prefix()
        self.words = _list_words(self.language)

    def url(self, name: str, *args) -> str:
        return row_url(name, *args, prefix=self.prefix)

    def when(self, value) -> str:
        """As the template's |date:"SHORT_DATETIME_FORMAT" shows it: in local time, localised."""
        return row_date(value, "SHORT_DATETIME_FORMAT", language=self.language, zone=self.zone)


def _page(context) -> _Page:
    # render_context lives for one rendering of the template: one page's rows.
    page = context.render_context.get(_Page)
    if page is None:
        page = context.render_context[_Page] = _Page()
    return page


def _html(template: str, *args) -> SafeString:
    """format_html() for the rows: the same escaping, without its checks for lazy strings on
    every argument, which a row's dozen values pay fifty times a page."""
    return SafeString(template.format(*(a if isinstance(a, SafeData) else html.escape(str(a)) for a in args)))


def _hidden(label: str, who) -> SafeString:
    # The button's word, and for a screen reader whose row it is.
    return _html('{}<span class="visually-hidden"> {}</span>', label, who)


@register.simple_tag(takes_context=True)
def my_interview_row(context, interview) -> SafeString:
    """A row of the manager's list: who, cycle, state, preparation, meeting, and what to do next."""
    page = _page(context)
    words = page.words
    employee = interview.employee
    detail = page.url("interviews:interview_detail", interview.pk)
    if interview.starts_at:
        meeting = _html(
            '{}<br><span class="small text-body-secondary">{}</span>',
            page.when(interview.starts_at),
            interview.place,
        )
    else:
        meeting = "—"
    buttons = []
    if interview.state in ("planned", "scheduled"):
        schedule = page.url("interviews:interview_schedule", interview.pk)
        if interview.state == "planned":
            buttons.append(
                _html(
                    '<a class="btn btn-sm btn-primary" href="{}">{}</a>',
                    schedule,
                    _hidden(words["book"], employee),
                )
            )
        else:
            buttons.append(
                _html(
                    '<a class="btn btn-sm btn-outline-primary" href="{}">{}</a>',
                    schedule,
                    _hidden(words["move"], employee),
                )
            )
        buttons.append(
            _html(
                # Cancelling is rare and asks for a reason: a quiet link, not a second button.
                '<a class="btn btn-sm btn-link link-secondary" href="{}#cancel">{}</a>',
                detail,
                _hidden(words["cancel"], employee),
            )
        )
    return _html(
        '<tr><td><a href="{}">{}</a><br><span class="small text-body-secondary">{}</span></td>'
        '<td>{}</td><td>{}</td><td class="small">{}</td><td>{}</td>'
        '<td class="text-end">{}</td></tr>',
        detail,
        employee,
        employee.unit.name if employee.unit_id else "",
        interview.cycle.name,
        _badge(page.language, interview.state),
        _prep(page.language, interview.employee_shared, interview.manager_shared, words["you"]),
        meeting,
        mark_safe(" ".join(buttons)),  # noqa: S308 - each part was built by _html
    )


@register.simple_tag(takes_context=True)
def drill_row(context, row: dict, show_pdf: bool) -> SafeString:
    """A row of HR's drill-down (a dict of dashboard.drill_rows): status only, never what the two wrote."""
    page = _page(context)
    overdue = row["actions_overdue"]
    employee = User.name_of(row["employee__given_name"], row["employee__family_name"], row["employee__email"])
    cells = [
        _html(
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            '<td class="small text-nowrap">{}</td><td class="text-end">{}{}</td>',
            employee,
            row["unit__name"],
            User.name_of(row["partner__given_name"], row["partner__family_name"], row["partner__email"]),
            _badge(page.language, row["state"]),
            page.when(row["starts_at"]) if row["starts_at"] else "—",
            _prep(page.language, row["employee_shared"], row["manager_shared"], ""),
            row["actions_open"],
            _html(' <span class="text-danger-emphasis fw-semibold">({})</span>', overdue) if overdue else "",
        )
    ]
    if show_pdf:
        number = row.get("signed_number")
        if number:
            pdf = page.url("interviews:record_pdf", row["pk"], number)
            cells.append(_html('<td><a href="{}">{}</a></td>', pdf, _hidden(page.words["pdf"], employee)))
        else:
            cells.append(mark_safe("<td>—</td>"))
    return _html("<tr>{}</tr>", mark_safe("".join(cells)))  # noqa: S308 - built by _html


@lru_cache(maxsize=16)
def _empty_form(name: str, language: str) -> SafeString:
    # The language is part of the key: labels and help texts are translated into it.
    return as_crispy_form({"action": ActionForm, "sign": SignForm, "sign_sso": SsoSignForm}[name]())


@register.simple_tag
def empty_form(name: str) -> SafeString:
    """The record's empty action or signing form, as {{ form|crispy }} renders it.

    The same for everybody in a language (no values, no choices from the database; the
    CSRF token sits outside it), so it is rendered once per process and language: kept in
    the shared cache it still cost each view of the record a round trip to Redis.
    """
    return _empty_form(name, get_language())
