"""What each person has to do next, in the order it is due: the home page's list.

The items are read from the same facts the hand-offs and reminders are sent on (a prep not
shared, a meeting past and not recorded, a signature waiting, an action due), so the home
page, the bell and the email say the same. A fixed number of queries whatever the number
of interviews: one per kind of fact, each bounded to what a list can show.
"""

import datetime
from dataclasses import dataclass, field, replace

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from goals.models import AgreedAction
from interviews.handoffs import when_text
from interviews.models import Cycle, Interview, InterviewRecord, PrepForm
from interviews.sections import SECTION_KEYS
from interviews.selectors import interviews_of_employee
from people.generations import HOMES, home_generation, kept
from people.models import User
from people.selectors import current_line_of, people_partnered_by

# How many of one kind of item a manager sees by name; the rest are counted, one click away.
NAMED = 5
# Actions due within this many days are listed as due soon.
DUE_SOON_DAYS = 14


@dataclass
class Todo:
    kind: str  # a stable word for tests and styles: prepare, read, sign, book, record, actions...
    title: str
    url: str
    button: str
    detail: str = ""
    due: datetime.datetime | None = None
    urgent: bool = False
    more: list[str] = field(default_factory=list)


@dataclass
class Waiting:
    """Something the person waits for: shown under the to-do list, so they know what comes next."""

    title: str
    url: str


def _answered(prep: PrepForm | None) -> int:
    return sum(1 for key in SECTION_KEYS if prep and getattr(prep, key).strip())


def _sort_key(item: Todo):
    far = timezone.now() + datetime.timedelta(days=3650)
    return (not item.urgent, item.due or far)


def _own_interview_items(user: User, mine: list[Interview]) -> tuple[list[Todo], list[Waiting]]:
    """The employee's side: prepare, read the partner's preparation, sign; or what they wait for.

    mine: all the employee's interviews, as the home page lists them; the open cycles' are read.
    """
    interviews = [
        i
        for i in mine
        if i.cycle.state == Cycle.State.OPEN and i.state in (*Interview.UNFINISHED, Interview.State.SIGNED)
    ]
    if not interviews:
        return [], []
    # Each read only where an interview needs it: the prep's progress while it is not
    # shared, the record's signature once the talk is held.
    unshared = [i.pk for i in interviews if not i.employee_shared and i.state in Interview.UNFINISHED]
    preps = (
        {
            p.interview_id: p
            for p in PrepForm.objects.filter(
                interview_id__in=unshared, role=PrepForm.Role.EMPLOYEE, author=user
            )
        }
        if unshared
        else {}
    )
    held = [i.pk for i in interviews if i.state in (Interview.State.HELD, Interview.State.SIGNED)]
    drafts = (
        {
            r.interview_id: r
            for r in InterviewRecord.objects.filter(interview_id__in=held, locked_at__isnull=True).only(
                "interview_id", "manager_signed_at", "number"
            )
        }
        if held
        else {}
    )
    todos, waiting = [], []
    for interview in interviews:
        partner = interview.partner
        page = reverse("interviews:interview_detail", args=[interview.pk])
        record = reverse("interviews:record", args=[interview.pk])
        draft = drafts.get(interview.pk)
        if (
            draft is not None
            and draft.manager_signed_at
            and interview.state
            in (
                Interview.State.HELD,
                Interview.State.SIGNED,
            )
        ):
            todos.append(
                Todo(
                    "sign",
                    _("Sign the record of your interview with %(partner)s") % {"partner": partner},
                    record + "#sign",
                    _("Read and sign"),
                    _("Waiting for your signature since %(when)s")
                    % {"when": when_text(draft.manager_signed_at)},
                    due=draft.manager_signed_at,
                    urgent=True,
                )
            )
            continue
        if interview.state == Interview.State.SIGNED:
            continue
        if interview.state == Interview.State.HELD:
            waiting.append(
                Waiting(
                    _("%(partner)s writes the record of your interview and signs it; then you read and sign.")
                    % {"partner": partner},
                    record,
                )
            )
            continue
        meeting = (
            _("Meeting %(when)s") % {"when": when_text(interview.starts_at)}
            if interview.starts_at is not None
            else _("%(partner)s has not booked the meeting yet") % {"partner": partner}
        )
        if not interview.employee_shared:
            answered = _answered(preps.get(interview.pk))
            todos.append(
                Todo(
                    "prepare",
                    _("Prepare for your interview with %(partner)s") % {"partner": partner},
                    page + "#prep-heading",
                    _("Continue preparing") if answered else _("Prepare"),
                    ngettext("%(count)d of 7 sections answered", "%(count)d of 7 sections answered", answered)
                    % {"count": answered}
                    + " · "
                    + meeting,
                    due=interview.starts_at,
                )
            )
        if interview.manager_shared:
            todos.append(
                Todo(
                    "read",
                    _("Read %(partner)s's preparation") % {"partner": partner},
                    page + "#prep-heading",
                    _("Read it"),
                    meeting,
                    due=interview.starts_at,
                )
            )
        if interview.state == Interview.State.PLANNED:
            waiting.append(
                Waiting(
                    _("%(partner)s books the meeting for %(cycle)s; you get a calendar invitation by email.")
                    % {"partner": partner, "cycle": interview.cycle.name},
                    page,
                )
            )
        elif interview.employee_shared and interview.starts_at is not None:
            waiting.append(
                Waiting(
                    _("Your preparation is shared. You meet %(partner)s %(when)s.")
                    % {"partner": partner, "when": when_text(interview.starts_at)},
                    page,
                )
            )
    return todos, waiting


def _partner_items(user: User, now) -> tuple[list[Todo], dict, datetime.datetime | None]:
    """The manager's side: book, prepare, read the employee's preparation, record and sign;
    their figures for the home page (in open cycles: all, to book, booked); and when the
    next booked meeting begins (its talk then moves from "prepare" to "record")."""
    held = Interview.objects.filter(partner=user, cycle__state=Cycle.State.OPEN)
    # What each kind of item is, as a condition: counted in the one aggregate below, and
    # named from a few rows each (a head of department holds hundreds of talks: reading
    # them all to show five cost the home page more than everything else on it).
    signed_by_me = Exists(
        InterviewRecord.objects.filter(
            interview=OuterRef("pk"), locked_at__isnull=True, manager_signed_at__isnull=False
        )
    )
    booked = Q(state=Interview.State.SCHEDULED)
    upcoming = booked & Q(starts_at__gt=now)
    conditions = {
        "record": (Q(state=Interview.State.HELD) & ~Q(signed_by_me)) | (booked & Q(starts_at__lte=now)),
        "prepare": upcoming & Q(manager_shared=False),
        "read": upcoming & Q(employee_shared=True),
    }
    counts = held.aggregate(
        total=Count("pk"),
        planned=Count("pk", filter=Q(state=Interview.State.PLANNED)),
        scheduled=Count("pk", filter=booked),
        **{f"n_{kind}": Count("pk", filter=condition) for kind, condition in conditions.items()},
        next_start=Min("starts_at", filter=upcoming),
    )
    todos = []
    if counts["planned"]:
        todos.append(
            Todo(
                "book",
                ngettext("Book %(count)d interview", "Book %(count)d interviews", counts["planned"])
                % {"count": counts["planned"]},
                reverse("interviews:my_interviews") + "?state=planned",
                _("Book the meetings"),
                _("Nobody can prepare for a date until it is booked."),
                due=now,  # first of the manager's own steps: everything else follows from it
            )
        )
    groups: dict[str, list[Interview]] = {}
    for kind, condition in conditions.items():
        # A query only where there is something to name; one row more than is named, for
        # the date of the "and N more" line.
        groups[kind] = (
            list(
                held.filter(condition)
                .select_related("employee")
                .only("starts_at", "employee__given_name", "employee__family_name", "employee__email")
                .order_by("starts_at", "pk")[: NAMED + 1]
            )
            if counts[f"n_{kind}"]
            else []
        )
    words = {
        "record": (
            lambda i: (
                _("Write and sign the record of your talk with %(employee)s") % {"employee": i.employee}
            ),
            lambda i: reverse("interviews:record", args=[i.pk]),
            _("Write the record"),
        ),
        "prepare": (
            lambda i: _("Prepare for your talk with %(employee)s") % {"employee": i.employee},
            lambda i: reverse("interviews:interview_detail", args=[i.pk]) + "#prep-heading",
            _("Prepare"),
        ),
        "read": (
            lambda i: _("Read %(employee)s's preparation") % {"employee": i.employee},
            lambda i: reverse("interviews:interview_detail", args=[i.pk]) + "#prep-heading",
            _("Read it"),
        ),
    }
    for kind, interviews in groups.items():
        title, url, button = words[kind]
        for interview in interviews[:NAMED]:
            detail = ""
            if interview.starts_at is not None:
                word = _("Held %(when)s") if interview.starts_at <= now else _("Meeting %(when)s")
                detail = word % {"when": when_text(interview.starts_at)}
            todos.append(
                Todo(
                    kind,
                    title(interview),
                    url(interview),
                    button,
                    detail,
                    due=interview.starts_at,
                    urgent=kind == "record",
                )
            )
        if counts[f"n_{kind}"] > NAMED:
            rest = counts[f"n_{kind}"] - NAMED
            todos.append(
                Todo(
                    kind,
                    ngettext("And %(count)d more like it", "And %(count)d more like these", rest)
                    % {"count": rest},
                    reverse("interviews:my_interviews") + "?sort=time",
                    _("My interviews"),
                    due=interviews[NAMED].starts_at,
                )
            )
    return todos, {key: counts[key] for key in ("total", "planned", "scheduled")}, counts["next_start"]


def _action_items(user: User, today: datetime.date) -> list[Todo]:
    counts = AgreedAction.objects.filter(
        owner=user,
        status__in=(AgreedAction.Status.OPEN, AgreedAction.Status.IN_PROGRESS),
        reviewed_at__isnull=True,
        due_on__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
    ).aggregate(
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        soon=Count("pk", filter=Q(due_on__gte=today)),
    )
    url = reverse("goals:my_actions")
    todos = []
    if counts["overdue"]:
        todos.append(
            Todo(
                "actions-overdue",
                ngettext(
                    "%(count)d agreed action is overdue",
                    "%(count)d agreed actions are overdue",
                    counts["overdue"],
                )
                % {"count": counts["overdue"]},
                url,
                _("Update them"),
                _("Mark what is done, in progress or dropped."),
                urgent=True,
            )
        )
    if counts["soon"]:
        todos.append(
            Todo(
                "actions-soon",
                ngettext(
                    "%(count)d agreed action is due within two weeks",
                    "%(count)d agreed actions are due within two weeks",
                    counts["soon"],
                )
                % {"count": counts["soon"]},
                url,
                _("My actions"),
            )
        )
    return todos


@dataclass
class MyInterview:
    """One of the person's own interviews as the home page lists it. Plain values, not the
    model: the home is kept in the shared cache, which should hold neither what the two wrote
    (a booking's note, a reason) nor the partner's account."""

    pk: int
    cycle_name: str
    state: str
    partner: str
    starts_at: datetime.datetime | None
    place: str


@dataclass
class MyLine:
    partner: str
    kind: str  # as the reader reads it


@dataclass
class Home:
    """What the home page shows of a person's talks and reporting line."""

    todos: list[Todo]
    waiting: list[Waiting]
    held: dict  # the manager's interviews in open cycles: total, planned, scheduled
    partnered: int = 0  # how many people the manager holds interviews with now
    my_interviews: list[MyInterview] = field(default_factory=list)
    my_line: MyLine | None = None  # read only for a person without interviews
    # When what was read stops holding although nobody wrote: a booked meeting begins.
    until: datetime.datetime | None = None


def _talks(user: User, *, partner: bool, now: datetime.datetime) -> Home:
    mine = list(interviews_of_employee(user))
    todos, waiting = _own_interview_items(user, mine)
    held, partnered, until = {"total": 0, "planned": 0, "scheduled": 0}, 0, None
    if partner:
        partner_todos, held, until = _partner_items(user, now)
        todos += partner_todos
        partnered = people_partnered_by(user).count()
    line = None if mine else current_line_of(user)
    return Home(
        todos,
        waiting,
        held,
        partnered,
        [MyInterview(i.pk, i.cycle.name, i.state, str(i.partner), i.starts_at, i.place) for i in mine],
        MyLine(str(line.partner), line.get_kind_display()) if line else None,
        until,
    )


def _with_actions(home: Home, user: User, now: datetime.datetime) -> Home:
    # Actions are read afresh on every view: one small query, and their due dates and
    # statuses change in goals, which knows nothing of the home page.
    todos = [*home.todos, *_action_items(user, timezone.localdate(now))]
    return replace(home, todos=sorted(todos, key=_sort_key))


def todos_for(user: User, *, partner: bool, now: datetime.datetime | None = None) -> Home:
    """What to do (most urgent, then soonest, first), what the person waits for, and a
    manager's figures, read afresh.

    partner: whether the person holds interviews (the menu's facts say), so that most
    people pay for none of the manager's reads.
    """
    now = now or timezone.now()
    return _with_actions(_talks(user, partner=partner, now=now), user, now)


def home_for(user: User, *, partner: bool) -> Home:
    """todos_for, with what it reads of the person's talks kept between views.

    A manager's part reads a head of department's hundreds of talks (some 10 ms, more than
    the rest of the page), and people come back to the home page between every step. The
    copy is taken only while nothing was written to a talk of theirs, as either party, or
    to their reporting line (the services renew the person's generation in
    people/generations.py: a write is seen on the next view), and until the next booked
    meeting begins.
    """
    now = timezone.now()
    talks = kept(
        # The version changes with the shape of Home and its parts, so that a deploy never
        # unpickles an older shape.
        f"home:v2:{user.pk}:{int(partner)}:{get_language()}",
        [home_generation(user.pk), HOMES],
        lambda: _talks(user, partner=partner, now=now),
        fresh=lambda home: home.until is None or now < home.until,
    )
    return _with_actions(talks, user, now)
