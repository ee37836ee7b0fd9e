"""What launching a cycle, or adding people to it, would do and does: the plan HR confirms,
and the rule that a person has one interview at a time (PRODUCT.md, cycles).

A person is left out of a cycle while they have an interview in another open cycle whose
window ([opens_on, closes_on], both days included) overlaps it, unless that interview was
cancelled or excused. A closed cycle holds no more talks, so it no longer counts.
"""

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F
from django.utils.formats import date_format
from django.utils.translation import ngettext

from interviews.models import Cycle, Interview
from interviews.selectors import cycle_scope_people, interviews_overlapping
from people.generations import homes_renew_all
from people.models import User
from people.selectors import current_lines
from people.services import org_lock

# How many names a list in the preview (and in the message after it) spells out; the rest
# are counted, so that a launch over ten thousand people stays a page, not a phone book.
NAMES_SHOWN = 10
NAMES_PER_PARTNER = 5
PARTNERS_SHOWN = 100


def interviews_lock() -> None:
    """Serialise everything that gives people interviews (launches, additions, reopening).

    The rule above spans cycles, so no row of one cycle can guard it: two HR users launching
    two overlapping cycles at once would each check, find nothing, and both create. It is
    the organisation's lock (people.services.org_lock), the one imports and partner changes
    take, because a launch reads the reporting lines they write: it also keeps a launch from
    creating an interview with a partner that a partner change is moving away meanwhile.

    Not an exclusion constraint on PostgreSQL: the rule depends on the other cycle's state
    (open) and the interview's (not cancelled or excused), which live on other rows or
    change after the insert, and a constraint would have to copy both onto every interview
    and keep them in step. SQLite lets one writer in at a time, so there the check holds too.
    """
    org_lock()


@dataclass(frozen=True)
class Names:
    """The first few names of a group of people, and how many there are."""

    shown: list[str]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.shown)

    @classmethod
    def of(cls, names: list[str], limit: int = NAMES_SHOWN) -> "Names":
        return cls(shown=names[:limit], total=len(names))


@dataclass(frozen=True)
class PartnerGroup:
    partner: str
    employees: Names


@dataclass(frozen=True)
class OverlapGroup:
    """The people left out because of one other cycle."""

    cycle_name: str
    opens_on: datetime.date
    closes_on: datetime.date
    people: Names


@dataclass(frozen=True)
class LaunchPlan:
    # (employee, partner, unit) of each interview to create.
    new: list[tuple[int, int, int]]
    partners: list[PartnerGroup]  # the first PARTNERS_SHOWN, by name
    partner_total: int
    without_partner: Names
    overlapping: list[OverlapGroup]
    # Changes whenever what the plan would do changes: a preview confirmed after somebody
    # else launched, imported or changed a partner is shown again instead of applied.
    digest: str

    @property
    def created(self) -> int:
        return len(self.new)

    @property
    def left_out(self) -> int:
        return sum(group.people.total for group in self.overlapping)


@dataclass
class LaunchResult:
    created: int
    without_partner: int
    left_out: int = 0
    overlapping: list[OverlapGroup] = field(default_factory=list)


class PlanChanged(Exception):
    """The confirmed preview is out of date; the new plan is attached, nothing was created."""

    def __init__(self, plan: LaunchPlan):
        super().__init__("the launch plan changed")
        self.plan = plan


def cycle_launch_plan(cycle: Cycle) -> LaunchPlan:
    """What launching (or adding people to) the cycle would create now, and who it leaves out.

    Five queries, whatever the size: the scope's units, the people in scope, their current
    lines, the interviews they have in this cycle and those in overlapping cycles.
    """
    scope = cycle_scope_people(cycle)
    people = sorted(
        scope.values_list("pk", "given_name", "family_name", "email"),
        key=lambda row: (row[2].casefold(), row[1].casefold(), row[0]),
    )
    existing = set(Interview.objects.filter(cycle=cycle).values_list("employee_id", flat=True))
    partner_of = {}
    lines = (
        current_lines()
        .filter(employee__in=scope, partner__is_active=True)
        .exclude(partner=F("employee"))
        .order_by("valid_from", "pk")  # a person with two lines in force: the newer wins
        .values_list(
            "employee_id",
            "partner_id",
            "employee__unit_id",
            "partner__given_name",
            "partner__family_name",
            "partner__email",
        )
    )
    for employee, partner, unit, *partner_name in lines:
        partner_of[employee] = (partner, unit, User.name_of(*partner_name))
    busy = {}
    overlapping = interviews_overlapping(cycle).filter(employee__in=scope)
    for employee, *other in overlapping.order_by("cycle__opens_on", "cycle_id").values_list(
        "employee_id", "cycle_id", "cycle__name", "cycle__opens_on", "cycle__closes_on"
    ):
        busy.setdefault(employee, tuple(other))

    new, by_partner, without, left_out = [], defaultdict(list), [], defaultdict(list)
    for pk, given, family, email in people:
        name = User.name_of(given, family, email)
        if pk in existing:
            continue
        if pk in busy:
            left_out[busy[pk]].append(name)
        elif pk in partner_of:
            partner, unit, partner_name = partner_of[pk]
            new.append((pk, partner, unit))
            by_partner[(partner_name.casefold(), partner, partner_name)].append(name)
        else:
            without.append(name)
    groups = [
        PartnerGroup(partner=key[2], employees=Names.of(names, NAMES_PER_PARTNER))
        for key, names in sorted(by_partner.items())
    ]
    fingerprint = repr((sorted(new), sorted((pk, busy[pk][0]) for pk in busy if pk not in existing)))
    return LaunchPlan(
        new=new,
        partners=groups[:PARTNERS_SHOWN],
        partner_total=len(groups),
        without_partner=Names.of(without),
        overlapping=[
            OverlapGroup(cycle_name=name, opens_on=opens, closes_on=closes, people=Names.of(names))
            for (_pk, name, opens, closes), names in left_out.items()
        ],
        digest=hashlib.sha256(fingerprint.encode()).hexdigest()[:32],
    )


def interviews_create(cycle: Cycle, plan: LaunchPlan) -> LaunchResult:
    """Create the plan's interviews in batched inserts. Call inside interviews_lock().

    Conflicts are ignored so that a second run never makes a duplicate.
    """
    Interview.objects.bulk_create(
        [
            Interview(cycle=cycle, employee_id=employee, partner_id=partner, unit_id=unit)
            for employee, partner, unit in plan.new
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    homes_renew_all()  # many people's home pages: renew them all at once
    return LaunchResult(
        created=plan.created,
        without_partner=plan.without_partner.total,
        left_out=plan.left_out,
        overlapping=plan.overlapping,
    )


# --- how the plan reads ----------------------------------------------------------------


def window_text(opens_on: datetime.date, closes_on: datetime.date) -> str:
    return f"{date_format(opens_on, 'DATE_FORMAT')} – {date_format(closes_on, 'DATE_FORMAT')}"


def names_text(names: Names) -> str:
    text = ", ".join(names.shown)
    if names.more:
        text = ngettext("%(names)s and %(count)d more", "%(names)s and %(count)d more", names.more) % {
            "names": text,
            "count": names.more,
        }
    return text


def overlap_text(group: OverlapGroup) -> str:
    """The sentence naming a group: 'Eva Employee already has an interview in ... (dates).'"""
    return ngettext(
        "%(names)s already has an interview in %(cycle)s (%(window)s).",
        "%(names)s already have an interview in %(cycle)s (%(window)s).",
        group.people.total,
    ) % {
        "names": names_text(group.people),
        "cycle": group.cycle_name,
        "window": window_text(group.opens_on, group.closes_on),
    }
