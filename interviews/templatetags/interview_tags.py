"""Small pieces of an interview's status that long tables repeat on every row.

Tags rather than included fragments: an include per cell costs a template render each,
which a list of a hundred interviews pays hundreds of times.
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()

BADGE_CLASSES = {
    "signed": "text-bg-success",
    "held": "text-bg-info",
    "scheduled": "text-bg-primary",
    "planned": "text-bg-light border",
}


@register.simple_tag
def state_badge(interview) -> str:
    """The interview's state as a coloured badge (cancelled and excused in grey)."""
    return format_html(
        '<span class="badge {}">{}</span>',
        BADGE_CLASSES.get(interview.state, "text-bg-secondary"),
        interview.get_state_display(),
    )


@register.simple_tag
def prep_shared(interview, *, manager_label: str = "") -> str:
    """Whether each party has shared their preparation (status only, never content)."""
    shared = format_html('<span class="text-success">{}</span>', _("shared"))
    not_yet = _("not yet")
    return format_html(
        "{}: {}<br>{}: {}",
        _("Employee"),
        shared if interview.employee_shared else not_yet,
        manager_label or _("Manager"),
        shared if interview.manager_shared else not_yet,
    )
