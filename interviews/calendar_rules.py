"""The organisation's calendar: the days and hours a meeting may be booked in.

Working days and hours are settings (WORKING_DAYS, WORKING_HOURS_START/END); public holidays
come from the `holidays` package for HOLIDAYS_COUNTRY (empty: none), and CLOSED_DAYS adds
the closures it cannot know (the days between Christmas and New Year, a move).
"""

import datetime
import functools
import inspect

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.formats import time_format
from django.utils.translation import pgettext

# The interface's languages, as the holidays package names them.
HOLIDAY_LANGUAGES = {"en": "en_US", "nb": "no", "nn": "no"}

# Holidays and closures never fill more than a few weeks in a row; a bound keeps a
# misconfigured calendar from looping for ever.
LONGEST_SEARCH_DAYS = 366


def working_hours() -> tuple[datetime.time, datetime.time]:
    return settings.WORKING_HOURS_START, settings.WORKING_HOURS_END


@functools.lru_cache(maxsize=64)
def _public_holidays(country: str, subdivision: str | None, year: int, language: str) -> dict:
    """The country's public holidays in a year, by day, named in the language if the package can."""
    import holidays  # a tenth of a second to load: only where a day is looked up

    try:
        calendar = holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as exc:
        raise ImproperlyConfigured(f"HOLIDAYS_COUNTRY/HOLIDAYS_SUBDIVISION: {exc}") from exc
    kind = type(calendar)
    options = {}
    # Norway's list can count every Sunday as a holiday (older versions of the package did by
    # default): Sundays are refused as days off already, and are better called Sundays.
    if "include_sundays" in inspect.signature(kind.__init__).parameters:
        options["include_sundays"] = False
    wanted = HOLIDAY_LANGUAGES.get(language, language)
    supported = getattr(kind, "supported_languages", ())
    name_language = wanted if wanted in supported else ("en_US" if "en_US" in supported else None)
    named = holidays.country_holidays(
        country, subdiv=subdivision, years=year, language=name_language, **options
    )
    return dict(named.items())


def public_holiday(day: datetime.date) -> str | None:
    """The name of the public holiday on the day, or None."""
    if not settings.HOLIDAYS_COUNTRY:
        return None
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    found = _public_holidays(settings.HOLIDAYS_COUNTRY, settings.HOLIDAYS_SUBDIVISION, day.year, language)
    return found.get(day)


def organisation_closed(day: datetime.date) -> bool:
    return day in settings.CLOSED_DAYS


def is_working_weekday(day: datetime.date) -> bool:
    return day.isoweekday() in settings.WORKING_DAYS


def is_working_day(day: datetime.date) -> bool:
    return is_working_weekday(day) and not organisation_closed(day) and public_holiday(day) is None


def next_working_day(day: datetime.date) -> datetime.date:
    """The day itself if meetings may fall on it, otherwise the first one after it."""
    for offset in range(LONGEST_SEARCH_DAYS):
        candidate = day + datetime.timedelta(days=offset)
        if is_working_day(candidate):
            return candidate
    return day


def previous_working_day(day: datetime.date) -> datetime.date:
    """The day itself if meetings may fall on it, otherwise the last one before it."""
    for offset in range(LONGEST_SEARCH_DAYS):
        candidate = day - datetime.timedelta(days=offset)
        if is_working_day(candidate):
            return candidate
    return day


def earliest_meeting_day(cycle, *, now: datetime.datetime | None = None) -> datetime.date:
    """The first day a meeting in the cycle may still be booked on, with its notice."""
    now = timezone.localtime(now or timezone.now())
    day = max(now.date() + datetime.timedelta(days=cycle.min_notice_days), cycle.opens_on)
    end = working_hours()[1]
    latest_start = datetime.datetime.combine(day, end) - datetime.timedelta(minutes=cycle.min_length_minutes)
    if day == now.date() and now.replace(tzinfo=None) > latest_start:
        day += datetime.timedelta(days=1)  # too late today for a whole meeting
    return next_working_day(day)


def weekday_name(day: datetime.date) -> str:
    return str(WEEKDAYS[day.weekday()])


def working_days_text() -> str:
    """The working days as a person says them: "Monday to Friday", "Monday, Wednesday and Friday"."""
    days = settings.WORKING_DAYS
    names = [str(WEEKDAYS[day - 1]) for day in days]
    if len(days) > 2 and tuple(days) == tuple(range(days[0], days[-1] + 1)):
        return pgettext("working days", "%(first)s to %(last)s") % {"first": names[0], "last": names[-1]}
    if len(names) == 1:
        return names[0]
    return pgettext("working days", "%(days)s and %(last)s") % {
        "days": ", ".join(names[:-1]),
        "last": names[-1],
    }


def working_hours_text() -> str:
    start, end = working_hours()
    return f"{time_format(start)}–{time_format(end)}"
