"""The audit log as HR reads it: each entry as a sentence in the reader's language, the
objects by name with a link where the reader may open them, the search and the export.

people knows nothing of the other apps (STYLE.md): each app registers the kinds of object
its entries name (audit_object_kind_register, in its AppConfig.ready), and a page's objects
are read through them, one query per kind present on the page, whatever the number of
entries. An object that no longer exists is shown by its kind and number.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.models import ApiToken, AuditEntry, OrgUnit, User
from people.selectors import api_tokens_visible_to, people_named, people_visible_to_hr, units_visible_to_hr

# --- what happened, as a sentence --------------------------------------------------------

# Every action written with audit(), grouped as HR looks for them. %(actor)s is who did it,
# %(object)s what it was done to (a name, linked where the reader may open it).
ACTION_GROUPS: list[tuple[str, object, list[tuple[str, object]]]] = [
    (
        "signing_in",
        gettext_lazy("Signing in"),
        [
            ("login", gettext_lazy("%(actor)s signed in")),
            ("login_failed", gettext_lazy("Somebody failed to sign in as %(actor)s")),
            (
                "login_break_glass",
                gettext_lazy("%(actor)s signed in with a password while single sign-on is required"),
            ),
            # The identity the provider named is in the entry's detail (with the reason), and
            # as its actor where it named one.
            ("sso_refused", gettext_lazy("A sign-in through the identity provider was refused")),
            (
                "sign_reauthenticated",
                gettext_lazy("%(actor)s confirmed who they are at the identity provider, to sign"),
            ),
            ("logout", gettext_lazy("%(actor)s signed out")),
            ("access_refused", gettext_lazy("%(actor)s was refused a page they may not see")),
        ],
    ),
    (
        "people",
        gettext_lazy("People and accounts"),
        [
            ("org_imported", gettext_lazy("%(actor)s imported the organisation")),
            ("partner_changed", gettext_lazy("%(actor)s changed the interview partner of %(object)s")),
            ("user_created_by_administrator", gettext_lazy("%(actor)s created the account of %(object)s")),
            ("user_access_changed", gettext_lazy("%(actor)s changed the account of %(object)s")),
            ("password_set_by_administrator", gettext_lazy("%(actor)s set a new password for %(object)s")),
            ("welcome_sent", gettext_lazy("%(actor)s sent a welcome email to %(object)s")),
            ("hr_role_saved", gettext_lazy("%(actor)s saved the HR role of %(object)s")),
            ("hr_role_removed", gettext_lazy("%(actor)s removed the HR role of %(object)s")),
        ],
    ),
    (
        "integrations",
        gettext_lazy("Integrations"),
        [
            ("api_token_created", gettext_lazy("%(actor)s made the API token %(object)s")),
            ("api_token_revoked", gettext_lazy("%(actor)s revoked the API token %(object)s")),
            # The actor is the token (its prefix and name, in actor_email); the entry's page is
            # the endpoint, its detail the method and the answer's status.
            ("api_call", gettext_lazy("The API token %(object)s was used")),
        ],
    ),
    (
        "cycles",
        gettext_lazy("Cycles"),
        [
            ("cycle_created", gettext_lazy("%(actor)s created the cycle %(object)s")),
            ("cycle_changed", gettext_lazy("%(actor)s changed the cycle %(object)s")),
            (
                "cycle_changed_by_administrator",
                gettext_lazy("%(actor)s changed the cycle %(object)s in the administration"),
            ),
            ("cycle_launched", gettext_lazy("%(actor)s launched the cycle %(object)s")),
            (
                "cycle_people_added",
                gettext_lazy("%(actor)s added the missing people to the cycle %(object)s"),
            ),
            ("cycle_closed", gettext_lazy("%(actor)s closed the cycle %(object)s")),
            ("nudge_sent", gettext_lazy("%(actor)s sent a reminder to the people of %(object)s")),
            ("guideline_saved", gettext_lazy("%(actor)s saved the local guidelines of %(object)s")),
        ],
    ),
    (
        "meetings",
        gettext_lazy("Interviews and meetings"),
        [
            ("interview_scheduled", gettext_lazy("%(actor)s booked the meeting for %(object)s")),
            ("interview_rescheduled", gettext_lazy("%(actor)s moved the meeting for %(object)s")),
            ("interview_held", gettext_lazy("%(actor)s marked %(object)s as held")),
            ("interview_cancelled", gettext_lazy("%(actor)s cancelled %(object)s")),
            ("interview_excused", gettext_lazy("%(actor)s excused the employee from %(object)s")),
            ("interview_planned", gettext_lazy("%(actor)s reopened %(object)s")),
            ("interview_partner_changed", gettext_lazy("%(actor)s gave %(object)s a new interview partner")),
            ("prep_shared", gettext_lazy("%(actor)s shared their preparation for %(object)s")),
            (
                "history_shared",
                gettext_lazy("%(actor)s showed the earlier talk to the interview partner of %(object)s"),
            ),
            ("history_withdrawn", gettext_lazy("%(actor)s stopped showing the earlier talk in %(object)s")),
        ],
    ),
    (
        "summaries",
        gettext_lazy("Summaries"),
        [
            (
                "record_signed_by_manager",
                gettext_lazy("%(actor)s signed the summary of %(object)s as interview partner"),
            ),
            (
                "record_signed_by_employee",
                gettext_lazy("%(actor)s signed the summary of %(object)s as employee"),
            ),
            (
                "record_correction_opened",
                gettext_lazy("%(actor)s opened a correction of the summary of %(object)s"),
            ),
            ("summary_downloaded", gettext_lazy("%(actor)s downloaded the summary of %(object)s")),
        ],
    ),
    (
        "goals",
        gettext_lazy("Goals and actions"),
        [
            ("unit_goal_saved", gettext_lazy("%(actor)s saved the unit goal %(object)s")),
            ("unit_goal_deleted", gettext_lazy("%(actor)s deleted %(object)s")),
            ("action_updated", gettext_lazy("%(actor)s updated the status of %(object)s")),
        ],
    ),
    (
        "exports",
        gettext_lazy("Exports"),
        [
            ("exported", gettext_lazy("%(actor)s exported a list")),
            ("audit_exported", gettext_lazy("%(actor)s exported the audit log")),
        ],
    ),
]
SENTENCES = {action: sentence for _key, _label, actions in ACTION_GROUPS for action, sentence in actions}
GROUPS = {key: [action for action, _sentence in actions] for key, _label, actions in ACTION_GROUPS}
# An action this table does not know yet (a newer version wrote it): its name as written.
FALLBACK = gettext_lazy("%(actor)s: %(action)s %(object)s")


def action_choices() -> list:
    """The search's "what": every action by its words, grouped, each group also as a whole."""
    choices: list = [("", _("Anything"))]
    for key, label, actions in ACTION_GROUPS:
        entries = [(f"group:{key}", _("%(group)s: all") % {"group": label})]
        entries += [(action, _sentence_label(sentence)) for action, sentence in actions]
        choices.append((str(label), entries))
    return choices


def _sentence_label(sentence) -> str:
    # "… signed in" in a list reads as what happened, without anybody's name in it.
    return (str(sentence) % {"actor": "…", "object": "…"}).strip()


def sentence_text(action: str, *, actor: str, obj: str = "") -> str:
    """What happened, in the reader's language, as plain text (the export)."""
    template = SENTENCES.get(action) or FALLBACK
    return (str(template) % {"actor": actor, "object": obj, "action": action}).strip()


def sentence_html(action: str, *, actor, obj="") -> SafeString:
    """The same for a page: actor and obj are text (escaped here) or safe HTML (a link)."""
    template = SENTENCES.get(action) or FALLBACK
    values = {
        "actor": conditional_escape(actor),
        "object": conditional_escape(obj),
        "action": conditional_escape(action),
    }
    return mark_safe((conditional_escape(str(template)) % values).strip())  # every part escaped


# --- the objects, by name -----------------------------------------------------------------


@dataclass(frozen=True)
class AuditObject:
    """An entry's object as the reader sees it: its name, and a link if they may open it."""

    name: str
    url: str = ""

    def html(self) -> SafeString:
        if self.url:
            return format_html('<a href="{}">{}</a>', self.url, self.name)
        return conditional_escape(self.name)


Resolver = Callable[[list[int], User], dict[int, AuditObject]]
Finder = Callable[[str], QuerySet]  # the objects whose name matches a search


@dataclass(frozen=True)
class AuditObjectKind:
    label: str  # the model's label in lower case, as audit() writes it: "interviews.interview"
    resolve: Resolver  # ids -> names and links for this reader, in one query
    find: Finder | None

    @property
    def name(self) -> str:
        return str(apps.get_model(self.label)._meta.verbose_name)


_kinds: dict[str, AuditObjectKind] = {}


def audit_object_kind_register(label: str, *, resolve: Resolver, find: Finder | None = None) -> None:
    """Tell the audit log how to name (and link) one kind of object; each app, in ready()."""
    _kinds[label] = AuditObjectKind(label=label, resolve=resolve, find=find)


def audit_object_kinds() -> list[AuditObjectKind]:
    return sorted(_kinds.values(), key=lambda kind: kind.name.lower())


def object_type_choices() -> list[tuple[str, str]]:
    return [("", _("Any object")), *((kind.label, kind.name.capitalize()) for kind in audit_object_kinds())]


def gone(label: str, pk) -> AuditObject:
    """An object that no longer exists (or was never one we know): its kind and number."""
    kind = _kinds.get(label)
    name = kind.name if kind else label
    return AuditObject(_("%(kind)s #%(id)s") % {"kind": name, "id": pk})


def resolve_objects(entries: Iterable[AuditEntry], reader: User) -> dict[tuple[str, str], AuditObject]:
    """Every actor and object of these entries by (label, id): one query per kind present."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.actor_id:
            wanted["people.user"].add(entry.actor_id)
        if entry.object_type in _kinds and entry.object_id.isdigit():
            wanted[entry.object_type].add(int(entry.object_id))
    found: dict[tuple[str, str], AuditObject] = {}
    for label, ids in wanted.items():
        for pk, obj in _kinds[label].resolve(sorted(ids), reader).items():
            found[(label, str(pk))] = obj
    return found


def may_open(queryset: QuerySet, visible: QuerySet, *, through: str = "pk") -> QuerySet:
    """The queryset with may_open: whether the row (or the row its field `through` points at)
    is among `visible`, the who-may-see selector of the page the link would open."""
    return queryset.annotate(may_open=Exists(visible.filter(pk=OuterRef(through))))


def links(url_name: str, *, anchor: str = "") -> Callable[[bool, int], str]:
    """The link to the page url_name shows for a pk, or "" where the reader may not open it.

    Reversed once per kind of object and page, with a stand-in pk (a page shows up to a
    hundred objects, and reverse() took a fifth of the rows' time).
    """
    if anchor:
        url = reverse(url_name)
        return lambda opens, pk: f"{url}{anchor}{pk}" if opens else ""
    url = reverse(url_name, args=[0])
    head, tail = url.rsplit("/0/", 1)
    return lambda opens, pk: f"{head}/{pk}/{tail}" if opens else ""


def _people(ids: list[int], reader: User) -> dict[int, AuditObject]:
    rows = may_open(User.objects.filter(pk__in=ids), people_visible_to_hr(reader)).values_list(
        "pk", "given_name", "family_name", "email", "may_open"
    )
    link = links("people:person_detail")
    return {
        pk: AuditObject(User.name_of(given, family, email), link(opens, pk))
        for pk, given, family, email, opens in rows.order_by()
    }


def _units(ids: list[int], reader: User) -> dict[int, AuditObject]:
    rows = may_open(OrgUnit.objects.filter(pk__in=ids), units_visible_to_hr(reader)).values_list(
        "pk", "name", "may_open"
    )
    link = links("people:unit_detail")
    return {pk: AuditObject(name, link(opens, pk)) for pk, name, opens in rows.order_by()}


def _tokens(ids: list[int], reader: User) -> dict[int, AuditObject]:
    rows = may_open(ApiToken.objects.filter(pk__in=ids), api_tokens_visible_to(reader)).values_list(
        "pk", "name", "prefix", "may_open"
    )
    url = reverse("people:token_list")
    return {
        pk: AuditObject(f"{name} (apt_{prefix}_…)", f"{url}#token-{pk}" if opens else "")
        for pk, name, prefix, opens in rows.order_by()
    }


def register_people_kinds() -> None:
    audit_object_kind_register("people.user", resolve=_people, find=people_named)
    audit_object_kind_register(
        "people.apitoken",
        resolve=_tokens,
        find=lambda text: ApiToken.objects.filter(
            Q(name__icontains=text) | Q(prefix__iexact=text.removeprefix("apt_")[:16])
        ),
    )
    audit_object_kind_register(
        "people.orgunit",
        resolve=_units,
        find=lambda text: OrgUnit.objects.filter(Q(name__icontains=text) | Q(code__iexact=text)),
    )


# --- one entry as a row ------------------------------------------------------------------


@dataclass
class AuditRow:
    entry: AuditEntry
    at: datetime.datetime  # in the organisation's time zone
    actor: AuditObject
    object: AuditObject | None
    day: str  # in the reader's language's short format
    time: str  # to the second

    @cached_property
    def html(self) -> SafeString:
        obj = self.object.html() if self.object else ""
        return sentence_html(self.entry.action, actor=self.actor.html(), obj=obj)

    @property
    def text(self) -> str:
        obj = self.object.name if self.object else ""
        return sentence_text(self.entry.action, actor=self.actor.name, obj=obj)


def audit_rows(entries: list[AuditEntry], reader: User) -> list[AuditRow]:
    """The entries as the reader reads them (names, links, local times)."""
    found = resolve_objects(entries, reader)
    zone = timezone.get_default_timezone()
    day = get_format("SHORT_DATE_FORMAT")
    rows = []
    for entry in entries:
        if entry.actor_id:
            actor = found.get(("people.user", str(entry.actor_id))) or AuditObject(entry.actor_email)
        else:
            # A failed sign-in names the address typed; a scheduled task names nobody.
            actor = AuditObject(entry.actor_email or _("The system"))
        obj = None
        if entry.object_type:
            obj = found.get((entry.object_type, entry.object_id)) or gone(entry.object_type, entry.object_id)
        at = timezone.localtime(entry.at, zone)
        rows.append(
            AuditRow(entry, at, actor, obj, dateformat.format(at, day), dateformat.format(at, "H:i:s"))
        )
    return rows


# --- the search ------------------------------------------------------------------------

# A name matches at most this many people or objects; a search that wide is no search.
FIND_MAX = 1000


def _start_of(day: datetime.date, *, days_later: int = 0) -> datetime.datetime | None:
    """Midnight in the organisation's time zone; None past the calendar's end (9999-12-31)."""
    try:
        day += datetime.timedelta(days=days_later)
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        start.astimezone(datetime.UTC)  # the database compares in UTC: year 1 has no day before
        return start
    except (OverflowError, ValueError):
        return None


def audit_entries_matching(*, who="", action="", object_type="", object="", since=None, until=None):
    """The entries a search asks for (the form has checked every value), newest first.

    Whole days in the organisation's time zone, compared on `at` itself so that its index
    serves the period; who is a name or an address, matched through the people first (an
    index per actor serves them).
    """
    entries = AuditEntry.objects.all()
    if who:
        people = list(people_named(who).values_list("pk", flat=True)[:FIND_MAX])
        # A failed sign-in has no actor, only the address typed: found in full, through its
        # index (a part of it would read every entry of the log).
        entries = entries.filter(Q(actor_id__in=people) | Q(actor__isnull=True, actor_email__iexact=who))
    if action.startswith("group:"):
        entries = entries.filter(action__in=GROUPS[action.removeprefix("group:")])
    elif action:
        entries = entries.filter(action=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
        if object.isdigit():
            entries = entries.filter(object_id=object)
        elif object:
            kind = _kinds[object_type]
            ids = list(kind.find(object).values_list("pk", flat=True)[:FIND_MAX]) if kind.find else []
            entries = entries.filter(object_id__in=[str(pk) for pk in ids])
    if since and (start := _start_of(since)):
        entries = entries.filter(at__gte=start)
    if until and (end := _start_of(until, days_later=1)):
        entries = entries.filter(at__lt=end)
    return entries


class CappedPaginator(Paginator):
    """Django's paginator over a count that stops at `cap` entries.

    Counting a million entries took PostgreSQL longer than the page's whole budget, on every
    page turned; counting up to the cap reads at most that many index entries. Past the cap
    the pager says "more than" and asks to narrow the search (a period reaches any entry).
    """

    def __init__(self, object_list, per_page, *, cap: int):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def counted(self) -> int:
        # Without the order: any cap + 1 matching entries will do, read in whatever order is cheapest.
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def more(self) -> bool:
        return self.counted > self.cap


# --- the export ------------------------------------------------------------------------

# The most entries one export holds, the newest first; older ones are reached by narrowing
# the period. A CSV streams (100,000 took 9 s over a million entries); a workbook is built
# whole before the first byte goes out (100,000 took openpyxl 24 s, longer than a proxy
# waits), so it holds fewer.
EXPORT_MAX = 100_000
EXPORT_MAX_XLSX = 20_000
EXPORT_CHUNK = 2000


def export_max(fmt: str) -> int:
    return EXPORT_MAX_XLSX if fmt == "xlsx" else EXPORT_MAX


def export_header() -> list[str]:
    return [
        _("When"),
        _("Who"),
        _("Who (email)"),
        _("What happened"),
        _("Action"),
        _("Object type"),
        _("Object number"),
        _("Object"),
        _("Detail"),
        _("From"),
        _("Page"),
    ]


def export_rows(
    entries: QuerySet, reader: User, *, seconds_as_text: bool, limit: int = EXPORT_MAX
) -> Iterator[list]:
    """The entries as the export's rows, the newest `limit`, read a chunk at a time.

    Each chunk is one query for its entries and one per kind of object in it. The chunks
    follow the order (at, id) from where the last one stopped, so that entries written
    meanwhile neither repeat nor shift the rest. seconds_as_text: the time as ISO text to
    the second (CSV), else as a date and time value (XLSX).
    """
    after = None
    left = limit
    while left > 0:
        chunk = entries
        if after is not None:
            chunk = chunk.filter(Q(at__lt=after.at) | Q(at=after.at, pk__lt=after.pk))
        chunk = list(chunk[: min(EXPORT_CHUNK, left)])
        if not chunk:
            return
        for row in audit_rows(chunk, reader):
            entry = row.entry
            at = row.at.replace(tzinfo=None)
            yield [
                at.isoformat(sep=" ", timespec="seconds") if seconds_as_text else at,
                row.actor.name,
                entry.actor_email,
                row.text,
                entry.action,
                entry.object_type,
                entry.object_id,
                row.object.name if row.object else "",
                entry.detail,
                entry.ip or "",
                entry.path,
            ]
        left -= len(chunk)
        after = chunk[-1]
