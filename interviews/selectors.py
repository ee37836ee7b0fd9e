"""Reads for cycles and interviews, and who may see what."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from goals.selectors import UNIT_GOALS, goals_for_unit
from interviews.models import Cycle, Interview, LocalGuideline, PrepForm
from people.generations import kept
from people.models import OrgUnit, User
from people.selectors import current_lines, hr_role_of, units_visible_to_hr


def cycles_visible_to(user: User) -> QuerySet[Cycle]:
    """HR sees the cycles whose scope overlaps their units; nobody else browses cycles.

    A cycle over the whole organisation overlaps a faculty HR's faculty: its unit is an
    ancestor of theirs. A cycle for one of their departments overlaps too.
    """
    role = hr_role_of(user)
    if role is None:
        return Cycle.objects.none()
    if role.whole_organisation:
        return Cycle.objects.all()
    ancestors = {pk for unit in role.units.all() for pk in unit.ancestor_ids()}
    return Cycle.objects.filter(Q(units__in=units_visible_to_hr(user)) | Q(units__in=ancestors)).distinct()


def cycle_manageable_by(cycle: Cycle, user: User) -> bool:
    """HR may change a cycle only if every unit in it lies inside their scope."""
    role = hr_role_of(user)
    if role is None:
        return False
    if role.whole_organisation:
        return True
    visible = set(units_visible_to_hr(user).values_list("pk", flat=True))
    return set(cycle.units.values_list("pk", flat=True)) <= visible


def cycle_scope_units(cycle: Cycle) -> QuerySet[OrgUnit]:
    """The cycle's units with all their sub-units."""
    paths = list(cycle.units.values_list("path", flat=True))
    if not paths:
        return OrgUnit.objects.none()
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    return OrgUnit.objects.filter(query)


def cycle_scope_people(cycle: Cycle) -> QuerySet[User]:
    """Everybody who belongs in the cycle: active employees of its units and sub-units."""
    return User.objects.filter(is_active=True, unit__in=cycle_scope_units(cycle)).exclude(employee_number="")


def cycle_people_without_interview(cycle: Cycle) -> QuerySet[User]:
    """People in scope who have no interview in the cycle, with their current partner (or none).

    These are the people HR must fix (no partner) or add (joined after the launch).
    """
    has_interview = Interview.objects.filter(cycle=cycle, employee=OuterRef("pk"))
    has_partner = current_lines().filter(employee=OuterRef("pk"), partner__is_active=True)
    return (
        cycle_scope_people(cycle)
        .annotate(has_interview=Exists(has_interview), has_partner=Exists(has_partner))
        .filter(has_interview=False)
        .select_related("unit")
        .order_by("has_partner", "family_name", "given_name")
    )


def cycle_state_counts(cycle: Cycle, *, units=None) -> dict[str, int]:
    """Interviews per state, over the given units only (HR's scope) if units is given."""
    counts = dict.fromkeys(Interview.State.values, 0)
    interviews = cycle.interviews.all() if units is None else cycle.interviews.filter(unit__in=units)
    for row in interviews.values("state").annotate(n=Count("pk")).order_by():
        counts[row["state"]] = row["n"]
    return counts


def interviews_visible_to(user: User) -> QuerySet[Interview]:
    """The interviews a user may open: their own, the ones they hold, and (status only) HR's units."""
    query = Q(employee=user) | Q(partner=user)
    role = hr_role_of(user)
    if role is not None:
        query |= Q(pk__in=Interview.objects.filter(unit__in=units_visible_to_hr(user)).values("pk"))
    return Interview.objects.filter(query).select_related("cycle", "employee", "partner", "unit")


def interview_visible_to(user: User, pk: int) -> Interview | None:
    """The one interview interviews_visible_to(user) would give for pk, or None.

    Read by its key alone and then checked, rather than filtered through the three-way OR:
    nearly everyone who opens an interview is one of its two parties, and the OR cost each
    interview page a third of a millisecond to compile and plan.
    """
    try:
        interview = Interview.objects.select_related("cycle", "employee", "partner", "unit").get(pk=pk)
    except Interview.DoesNotExist:
        return None
    if user.pk in (interview.employee_id, interview.partner_id):
        return interview
    if hr_role_of(user) is not None and units_visible_to_hr(user).filter(pk=interview.unit_id).exists():
        return interview
    return None


def interviews_held_by(user: User) -> QuerySet[Interview]:
    """The manager's list: interviews they hold in open cycles (with each side's prep status)."""
    return Interview.objects.filter(partner=user, cycle__state=Cycle.State.OPEN).select_related(
        "cycle", "employee", "employee__unit"
    )


def interviews_of_employee(user: User) -> QuerySet[Interview]:
    return (
        Interview.objects.filter(employee=user)
        .exclude(cycle__state=Cycle.State.DRAFT)
        .select_related("cycle", "partner")
        .order_by("-cycle__opens_on")
    )


def interview_changeable_by(interview: Interview, user: User, *, action: str) -> bool:
    """Write access, checked after the interview was loaded through interviews_visible_to.

    Booking, moving and marking held: the interview partner. Cancelling, excusing and
    reopening: the partner, or HR for the interview's unit. Never the interview's own
    employee, whatever other role they hold: nobody uses HR's powers on their own talk.
    """
    if user.pk == interview.employee_id:
        return False
    if user.pk == interview.partner_id:
        return True
    if action in {"schedule", "hold"} or hr_role_of(user) is None:
        return False
    return units_visible_to_hr(user).filter(pk=interview.unit_id).exists()


# --- prep forms ------------------------------------------------------------------------


def prep_role_of(interview: Interview, user: User) -> str | None:
    """Which form of this interview the user writes: the employee's, the manager's, or none."""
    if user.pk == interview.employee_id:
        return "employee"
    if user.pk == interview.partner_id:
        return "manager"
    return None


def prep_forms_for(interview: Interview, user: User) -> tuple[PrepForm | None, PrepForm | None]:
    """(own form, the other party's form if shared) for one of the two parties; nobody else gets any.

    A draft is seen by its author only: not the other party, not HR, not the manager's manager.
    """
    role = prep_role_of(interview, user)
    if role is None:
        return None, None
    other_party = interview.partner_id if role == PrepForm.Role.EMPLOYEE else interview.employee_id
    own = other = None
    for form in PrepForm.objects.filter(interview=interview):
        # By author as well as role: a form somebody else wrote in this role (a partner
        # before this one, however the interview came to change hands) is neither.
        if form.role == role and form.author_id == user.pk:
            own = form
        elif form.role != role and form.author_id == other_party and form.state == PrepForm.State.SHARED:
            other = form
    return own, other


# The generation (people/generations.py) of every unit's local guidelines.
GUIDELINES = "guidelines"


def unit_guidance(unit: OrgUnit | None) -> tuple[list[LocalGuideline], list]:
    """(local guidelines, goals in force today) for a unit, as both prep forms show them.

    Everyone in a unit prepares with the same guidelines and goals, which HR and the heads
    of unit change a few times a year: kept until a guideline or goal is saved (their
    generations), and the key has the unit's place in the tree and the day. A renamed unit
    shows within READ_CACHE_SECONDS.
    """
    if unit is None:
        return [], []
    today = timezone.localdate()
    return kept(
        f"unit-guidance:v1:{unit.pk}:{unit.path}:{today.isoformat()}",
        [GUIDELINES, UNIT_GOALS],
        lambda: (local_guidelines_for(unit), list(goals_for_unit(unit, on=today))),
    )


def local_guidelines_for(unit: OrgUnit | None) -> list:
    """Guidelines of the unit and every unit above it, the top of the organisation first."""
    if unit is None:
        return []
    return list(
        LocalGuideline.objects.filter(unit_id__in=unit.ancestor_ids())
        .select_related("unit")
        .order_by("unit__depth")
    )


def record_pdf_readable_by(interview: Interview, user: User) -> bool:
    """Signed summaries: the two parties; HR for the unit only where the cycle archives them."""
    if user.pk in (interview.employee_id, interview.partner_id):
        return True
    return interview.cycle.archive_for_hr and units_visible_to_hr(user).filter(pk=interview.unit_id).exists()
