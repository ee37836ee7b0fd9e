"""Pieces of an action card that a page of many actions repeats."""

from functools import lru_cache

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from goals.models import AgreedAction

register = template.Library()


@lru_cache(maxsize=64)
def _options(language: str, current: str) -> SafeString:
    # The language is part of the key: the labels are translated into the active one.
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (key, mark_safe(" selected") if key == current else "", label)
            for key, label in AgreedAction.Status.choices
        ),
    )


@register.simple_tag
def status_options(current: str) -> SafeString:
    """The status choices, the action's own selected: built once per language and status, not
    four template loops a card."""
    return _options(get_language(), current)
