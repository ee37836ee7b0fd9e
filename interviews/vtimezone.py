"""A VTIMEZONE that holds for any year: the zone's current rule as a yearly RRULE.

icalendar's own Timezone.from_tzinfo() (and Calendar.add_missing_timezones()) writes every
transition between two dates as one long RDATE list. Clients read that badly: Radicale and
ical.js put a summer meeting in Oslo an hour off, and the list ends in 2038. The VTIMEZONE
that Outlook, Google and Thunderbird send instead is one STANDARD and one DAYLIGHT, each
with a yearly rule ("last Sunday of October at 03:00"), and that is what every client
reads. The tz database has no such rules to hand (zoneinfo knows transitions, not rules),
so the rule is read off the transitions of the year around the event and then checked
against zoneinfo for the years before and after. A zone whose changes follow no
"n-th weekday of the month" rule (or that changed its rule around the event) gets None,
and the invitation then carries UTC times, which are valid and read right everywhere.
"""

import calendar
import datetime
import zoneinfo

import icalendar

UTC = datetime.UTC
# Observances start in 1970, as Thunderbird's do: early enough for any meeting booked here,
# and the rule is today's, which is what the tz database applies to every future year.
EPOCH_YEAR = 1970


def _offset_at(tz: zoneinfo.ZoneInfo, instant: datetime.datetime) -> datetime.timedelta:
    return instant.astimezone(tz).utcoffset()


def transitions(tz: zoneinfo.ZoneInfo, year: int) -> list[datetime.datetime]:
    """The UTC instants in year at which the zone's offset changes (to the second).

    A day-by-day walk with a bisection in each day that changes: zones change at most a few
    times a year, and never twice in one day.
    """
    found = []
    day = datetime.datetime(year, 1, 1, tzinfo=UTC)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=UTC)
    while day < end:
        following = day + datetime.timedelta(days=1)
        if _offset_at(tz, day) != _offset_at(tz, following):
            low, high = day, following  # the offset at low is the old one, at high the new
            while high - low > datetime.timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _offset_at(tz, middle) == _offset_at(tz, low):
                    low = middle
                else:
                    high = middle
            found.append(high)
        day = following
    return found


def _wall_before(tz: zoneinfo.ZoneInfo, instant: datetime.datetime) -> datetime.datetime:
    """The local wall time just before the change at instant (what TZOFFSETFROM counts from)."""
    before = instant - datetime.timedelta(seconds=1)
    return (instant + _offset_at(tz, before)).replace(tzinfo=None)


def _offsets(tz: zoneinfo.ZoneInfo, instant: datetime.datetime) -> tuple:
    return _offset_at(tz, instant - datetime.timedelta(seconds=1)), _offset_at(tz, instant)


def _rules_of(local: datetime.datetime) -> list[dict]:
    """The rules that put a change at local: "the last weekday of the month", or "the n-th".

    "The last" first: it is the common rule (the EU's), and a fourth Sunday that happens
    to be the last in the years checked is not the last in every year.
    """
    nth = (local.day - 1) // 7 + 1
    rule = {"month": local.month, "weekday": local.weekday(), "time": local.time()}
    rules = []
    if local.day + 7 > calendar.monthrange(local.year, local.month)[1]:
        rules.append({**rule, "nth": -1})
    if nth < 5:
        rules.append({**rule, "nth": nth})
    return rules


def _occurrence(rule: dict, year: int) -> datetime.datetime:
    """The local wall time at which rule falls in year."""
    weeks = calendar.Calendar().monthdatescalendar(year, rule["month"])
    days = [
        day
        for week in weeks
        for day in week
        if day.month == rule["month"] and day.weekday() == rule["weekday"]
    ]
    day = days[rule["nth"] - 1] if rule["nth"] > 0 else days[-1]
    return datetime.datetime.combine(day, rule["time"])


def _observance(rule: dict, *, offset_from, offset_to, name: str, daylight: bool):
    component = icalendar.TimezoneDaylight() if daylight else icalendar.TimezoneStandard()
    component.add("tzname", name)
    component.add("tzoffsetfrom", offset_from)
    component.add("tzoffsetto", offset_to)
    component.add("dtstart", _occurrence(rule, EPOCH_YEAR))
    byday = f"{rule['nth']}{('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU')[rule['weekday']]}"
    component.add("rrule", {"freq": "yearly", "bymonth": rule["month"], "byday": byday})
    return component


def vtimezone(tz: zoneinfo.ZoneInfo, year: int) -> icalendar.Timezone | None:
    """A rule-based VTIMEZONE for tz that is right in year and the years either side; or None.

    An invitation holds one event and is sent again whenever it moves, so it is the event's
    own year that must be right; the rule is the tz database's current one for later years.
    """
    years = (year - 1, year, year + 1)
    changes = {y: transitions(tz, y) for y in years}
    component = icalendar.Timezone()
    component.add("tzid", tz.key)
    if not any(changes.values()):
        # No daylight saving: one STANDARD, the offset it has kept all along.
        moment = datetime.datetime(year, 7, 1, tzinfo=UTC).astimezone(tz)
        standard = icalendar.TimezoneStandard()
        standard.add("tzname", moment.tzname())
        standard.add("tzoffsetfrom", moment.utcoffset())
        standard.add("tzoffsetto", moment.utcoffset())
        standard.add("dtstart", datetime.datetime(EPOCH_YEAR, 1, 1))
        component.add_component(standard)
        return component
    if any(len(found) != 2 for found in changes.values()):
        return None
    for instant in changes[year]:
        # The rule must give the same change (wall time and offsets) in every checked year.
        found = {y: {(_wall_before(tz, m), _offsets(tz, m)) for m in changes[y]} for y in years}
        rule = next(
            (
                rule
                for rule in _rules_of(_wall_before(tz, instant))
                if all((_occurrence(rule, y), _offsets(tz, instant)) in found[y] for y in years)
            ),
            None,
        )
        if rule is None:
            return None
        offset_from, offset_to = _offsets(tz, instant)
        component.add_component(
            _observance(
                rule,
                offset_from=offset_from,
                offset_to=offset_to,
                name=instant.astimezone(tz).tzname(),
                # By the clock going forward, not zoneinfo's dst(): Dublin's law calls its
                # winter time the exception, clients expect summer to be DAYLIGHT.
                daylight=offset_to > offset_from,
            )
        )
    return component
