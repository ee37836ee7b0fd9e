"""Small pieces of an interview's status that long tables repeat on every row.

Tags rather than included fragments: an include per cell costs a template render each,
which a list of a hundred interviews pays hundreds of times. Each piece is built once per
language and value (a handful in all) and then reused, instead of translating the same
few words again on every row.
"""

from functools import lru_cache

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from interviews.models import Interview

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
