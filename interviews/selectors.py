"""Reads for cycles and interviews, and who may see what."""

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from goals.selectors import UNIT_GOALS, goals_for_unit
from interviews.models import Cycle, Interview, InterviewRecord, LocalGuideline, PrepForm
from people.audit_log import AuditObject, audit_object_kind_register, links, may_open
from people.generations import kept
from people.models import OrgUnit, User
from people.selectors import current_lines, hr_role_of, people_named, units_under, units_visible_to_hr


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
    return units_under(cycle.units.values_list("path", flat=True))


def cycle_scope_people(cycle: Cycle) -> QuerySet[User]:
    """Everybody who belongs in the cycle: active employees of its units and sub-units."""
    return User.objects.filter(is_active=True, unit__in=cycle_scope_units(cycle)).exclude(employee_number="")


def interviews_overlapping(cycle: Cycle) -> QuerySet[Interview]:
    """Interviews in other open cycles whose window overlaps this one's, and taking place.

    Their people are left out of this cycle (interviews.launching): one interview at a time.
    """
    return (
        Interview.objects.filter(
            cycle__state=Cycle.State.OPEN,
            cycle__opens_on__lte=cycle.closes_on,
            cycle__closes_on__gte=cycle.opens_on,
        )
        .exclude(cycle=cycle)
        .exclude(state__in=(Interview.State.CANCELLED, Interview.State.EXCUSED))
    )


def cycle_people_without_interview(cycle: Cycle) -> QuerySet[User]:
    """People in scope who have no interview in the cycle, with their current partner (or none)
    and whether an interview in an overlapping cycle keeps them out of this one (elsewhere).

    These are the people HR must fix (no partner) or add (joined after the launch).
    """
    has_interview = Interview.objects.filter(cycle=cycle, employee=OuterRef("pk"))
    has_partner = current_lines().filter(employee=OuterRef("pk"), partner__is_active=True)
    elsewhere = interviews_overlapping(cycle).filter(employee=OuterRef("pk"))
    return (
        cycle_scope_people(cycle)
        .annotate(
            has_interview=Exists(has_interview),
            has_partner=Exists(has_partner),
            elsewhere=Exists(elsewhere),
        )
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


# --- the audit log's objects (registered in InterviewsConfig.ready) ---------------------


def interview_openable_by(user: User, *, path: str = "") -> Q:
    """interviews_visible_to(user) as a condition on the interview's own columns (path: the
    way to the interview from the rows filtered, e.g. "interview__"), for many rows at once.

    The selector's subquery over every interview of HR's units cost the audit log's page 12 ms
    on each view; tests check that both give the same interviews for every role.
    """
    query = Q(**{f"{path}employee": user}) | Q(**{f"{path}partner": user})
    if hr_role_of(user) is not None:
        query |= Q(**{f"{path}unit__in": units_visible_to_hr(user)})
    return query


def _interview_name(given: str, family: str, email: str, cycle: str) -> str:
    return _("%(employee)s's interview (%(cycle)s)") % {
        "employee": User.name_of(given, family, email),
        "cycle": cycle,
    }


def audit_interviews(ids: list[int], reader: User) -> dict[int, AuditObject]:
    """Interviews by the employee's name and the cycle, linked where the reader may open them."""
    rows = (
        Interview.objects.filter(pk__in=ids)
        .annotate(may_open=ExpressionWrapper(interview_openable_by(reader), output_field=BooleanField()))
        .values_list(
            "pk",
            "employee__given_name",
            "employee__family_name",
            "employee__email",
            "cycle__name",
            "may_open",
        )
        .order_by()
    )
    link = links("interviews:interview_detail")
    return {pk: AuditObject(_interview_name(*name), link(opens, pk)) for pk, *name, opens in rows}


def audit_of_interviews(model):
    """Records and prep forms: named, and linked, as the interview they belong to (the reader
    opens the interview's page; what it shows of them is that page's to decide)."""

    def resolve(ids: list[int], reader: User) -> dict[int, AuditObject]:
        openable = interview_openable_by(reader, path="interview__")
        rows = (
            model.objects.filter(pk__in=ids)
            .annotate(may_open=ExpressionWrapper(openable, output_field=BooleanField()))
            .values_list(
                "pk",
                "interview_id",
                "interview__employee__given_name",
                "interview__employee__family_name",
                "interview__employee__email",
                "interview__cycle__name",
                "may_open",
            )
            .order_by()
        )
        link = links("interviews:interview_detail")
        return {
            pk: AuditObject(_interview_name(*name), link(opens, interview))
            for pk, interview, *name, opens in rows
        }

    return resolve


def audit_cycles(ids: list[int], reader: User) -> dict[int, AuditObject]:
    rows = may_open(Cycle.objects.filter(pk__in=ids), cycles_visible_to(reader)).values_list(
        "pk", "name", "may_open"
    )
    link = links("interviews:cycle_detail")
    return {pk: AuditObject(name, link(opens, pk)) for pk, name, opens in rows.order_by()}


def audit_guidelines(ids: list[int], reader: User) -> dict[int, AuditObject]:
    """A unit's local guidelines, by the unit's name."""
    rows = may_open(
        LocalGuideline.objects.filter(pk__in=ids), units_visible_to_hr(reader), through="unit_id"
    ).values_list("pk", "unit_id", "unit__name", "may_open")
    link = links("interviews:guideline_edit")
    return {pk: AuditObject(name, link(opens, unit)) for pk, unit, name, opens in rows.order_by()}


def audit_object_kinds_register() -> None:
    audit_object_kind_register(
        "interviews.interview",
        resolve=audit_interviews,
        find=lambda text: Interview.objects.filter(employee__in=people_named(text)),
    )
    for model in (InterviewRecord, PrepForm):
        audit_object_kind_register(
            model._meta.label_lower,
            resolve=audit_of_interviews(model),
            find=lambda text, model=model: model.objects.filter(interview__employee__in=people_named(text)),
        )
    audit_object_kind_register(
        "interviews.cycle", resolve=audit_cycles, find=lambda text: Cycle.objects.filter(name__icontains=text)
    )
    audit_object_kind_register(
        "interviews.localguideline",
        resolve=audit_guidelines,
        find=lambda text: LocalGuideline.objects.filter(unit__name__icontains=text),
    )
