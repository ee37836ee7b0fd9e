"""The parts of every page's frame that depend only on the language and the person's roles.

base.html is rendered on every page; its menu (a dozen translated words and reversed
URLs) and its language chooser cost more than a short page's own content. Both are pure
functions of a handful of values, so each is built once per process for each combination
(a few dozen at most) and reused; what is personal (the unread count, the name, the
forms' CSRF tokens) stays in the template.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@lru_cache(maxsize=256)
def _links(language: str, prefix: str, roles: tuple[bool, ...]) -> SafeString:
    # The language and script prefix are part of the key: the words are translated into
    # the active language, the URLs resolved under the active prefix.
    partner, keeps_goals, hr, hr_everywhere, staff = roles
    items = [("home", _("Home")), ("goals:my_actions", _("My actions"))]
    if partner:
        items.append(("interviews:my_interviews", _("My interviews")))
    if keeps_goals:
        items.append(("goals:goal_units", _("Goals")))
    if hr:
        items += [("interviews:cycle_list", _("Cycles")), ("people:unit_list", _("Organisation"))]
    if hr_everywhere:
        items += [("people:import_start", _("Import")), ("people:audit_log", _("Audit log"))]
    if hr or staff:
        items.append(("people:token_list", _("API tokens")))
    if staff:
        items.append(("admin:index", _("Administration")))
    return format_html_join(
        "\n",
        '<li class="nav-item"><a class="nav-link" href="{}">{}</a></li>',
        ((reverse(name), label) for name, label in items),
    )


@register.simple_tag(takes_context=True)
def nav_links(context) -> SafeString:
    """The menu's items for this person's roles (from the roles context processor)."""
    roles = tuple(
        bool(context.get(name)) for name in ("is_partner", "keeps_goals", "is_hr", "is_hr_whole_organisation")
    ) + (bool(context["user"].is_staff),)
    return _links(get_language(), get_script_prefix(), roles)


@lru_cache(maxsize=16)
def _language_options(current: str) -> SafeString:
    def named(code, name):
        # Each language by its own name, whatever the page's language.
        with translation.override(code):
            return str(name)

    return format_html_join(
        "\n",
        '<option value="{}"{}>{}</option>',
        (
            (code, mark_safe(" selected") if code == current else "", named(code, name))
            for code, name in settings.LANGUAGES
        ),
    )


@register.simple_tag
def language_options() -> SafeString:
    """The language chooser's options, the active language selected."""
    return _language_options(get_language())


@lru_cache(maxsize=256)
def _url(name: str, prefix: str) -> str:
    # The script prefix is part of the key: the URL is resolved under the active one.
    return reverse(name)


@register.simple_tag
def frame_url(name: str) -> str:
    """{% url name %} for the frame's links, which take no arguments: resolved once per process
    (reverse() cost the frame's five links 0.15 ms on every page)."""
    return _url(name, get_script_prefix())


@lru_cache(maxsize=1)
def _head_assets() -> SafeString:
    return format_html(
        '<link rel="icon" href="{}" type="image/svg+xml">\n'
        '  <link rel="stylesheet" href="{}">\n'
        '  <link rel="stylesheet" href="{}">\n'
        '  <script src="{}" defer></script>\n'
        '  <script src="{}" defer></script>',
        *(
            static(path)
            for path in (
                "favicon.svg",
                "vendor/bootstrap/bootstrap.min.css",
                "css/app.css",
                "vendor/htmx/htmx.min.js",
                "vendor/bootstrap/bootstrap.bundle.min.js",
            )
        ),
    )


@register.simple_tag
def head_assets() -> SafeString:
    """The stylesheets and scripts every page loads, by their hashed static URLs: looked up
    once per process (the manifest does not change while it runs)."""
    return _head_assets()
