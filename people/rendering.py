"""What template tags that render many rows of the same shape share: URLs and dates worked
out once and reused, instead of once a row.

Used by the row tags of the interview lists and of My actions; it knows no app's URLs or
models, only Django's.
"""

import datetime
from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils import formats, timezone
from django.utils.translation import get_language

# Stand-ins for a URL's arguments: reverse() runs once per URL name and script prefix, and
# each row fills in its own numbers.
_SENTINELS = ("900000001", "900000002")


@lru_cache(maxsize=64)
def _url_pattern(prefix: str, name: str, arity: int) -> str:
    # The script prefix is part of the key: the app may be served under a sub-path.
    return reverse(name, args=[int(s) for s in _SENTINELS[:arity]])


def row_url(name: str, *args: int, prefix: str | None = None) -> str:
    """reverse(name, args=args) for integer arguments, resolved once per name and prefix."""
    url = _url_pattern(get_script_prefix() if prefix is None else prefix, name, len(args))
    for sentinel, arg in zip(_SENTINELS, args, strict=False):
        url = url.replace(sentinel, str(int(arg)), 1)
    return url


@lru_cache(maxsize=4096)
def _formatted(language: str, zone: str, value, fmt: str) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return formats.date_format(value, fmt)


def row_date(value, fmt: str, *, language: str | None = None, zone: str | None = None) -> str:
    """As the template's |date:fmt shows a date or time: in local time, localised.

    Django's date formatting costs tens of microseconds a value; a list shows the same few
    dates and meeting times on every reload, so each is formatted once per language and
    time zone (both part of the key).
    """
    return _formatted(
        get_language() if language is None else language,
        timezone.get_current_timezone_name() if zone is None else zone,
        value,
        fmt,
    )
