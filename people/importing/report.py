"""The import's report: counts, each change field by field, what it does beyond the rows,
and the bad rows; kept untranslated and read in each reader's language."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext

from people.models import JobKind, ReportingLine


@dataclass
class Message:
    """A text of the report, kept untranslated: an import is read by other people than the one
    who uploaded it, each in their own language. str() translates it for the active language.
    """

    msgid: str
    params: dict = field(default_factory=dict)

    def __mod__(self, params: dict) -> Message:
        return Message(self.msgid, params)

    def __str__(self) -> str:
        text = gettext(self.msgid)
        if not self.params:
            return text
        params = {k: str(v) if isinstance(v, Message) else v for k, v in self.params.items()}
        try:
            return text % params
        except (KeyError, TypeError, ValueError):
            # A translation changed its placeholders since the report was stored: English.
            return self.msgid % params

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def as_data(self) -> dict:
        return {
            "msgid": self.msgid,
            "params": {k: v.as_data() if isinstance(v, Message) else v for k, v in self.params.items()},
        }

    @classmethod
    def from_data(cls, data) -> Message | str:
        """A stored text: a Message as as_data() wrote it, or a string stored before (as it was)."""
        if not isinstance(data, dict):
            return data
        params = {
            k: cls.from_data(v) if isinstance(v, dict) else v for k, v in data.get("params", {}).items()
        }
        return cls(data.get("msgid", ""), params)


def _(msgid: str) -> Message:
    # Named _ so that makemessages finds these texts; they are translated when shown (Message).
    return Message(msgid)


# Changes listed in the report are capped so that a first import of 20,000 people stays
# a small JSON document; the counts are always complete.
MAX_LISTED_CHANGES = 500

# What an import does beyond its rows, in the order the preview lists it.
IMPACT_KINDS = (
    "leavers",
    "interviews_ended",
    "held_stay",
    "heads_cleared",
    "email_changes",
    "partner_changes",
    "interviews_moving",
    "meetings_cancelled",
    "new_in_scope",
)

FIELD_LABELS = {
    "name": gettext_lazy("name"),
    "parent": gettext_lazy("parent unit"),
    "head": gettext_lazy("head"),
    "given_name": gettext_lazy("given name"),
    "family_name": gettext_lazy("family name"),
    "email": gettext_lazy("email"),
    "job_kind": gettext_lazy("job kind"),
    "unit": gettext_lazy("unit"),
    "partner": gettext_lazy("interview partner"),
    "partner_kind": gettext_lazy("partner kind"),
    "language": gettext_lazy("language"),
}


def _shown(name: str, value: str) -> str:
    """A stored value as the reader reads it: choices by their label, nothing as a dash."""
    if not value:
        return "—"
    labels = {
        "job_kind": dict(JobKind.choices),
        "partner_kind": dict(ReportingLine.Kind.choices),
        "language": dict(settings.LANGUAGES),
    }.get(name, {})
    return str(labels.get(value, value))


def impact_title(kind: str, count: int) -> str:
    titles = {
        "leavers": ngettext(
            "%(count)d person is not in the file and leaves: deactivated and signed out",
            "%(count)d people are not in the file and leave: deactivated and signed out",
            count,
        ),
        "interviews_ended": ngettext(
            "%(count)d open interview of people who leave ends as excused",
            "%(count)d open interviews of people who leave end as excused",
            count,
        ),
        "held_stay": ngettext(
            "%(count)d talk held with people who leave, or already begun, stays to be recorded and signed, or "
            "cancelled by HR",
            "%(count)d talks held with people who leave, or already begun, stay to be recorded and signed, or "
            "cancelled by HR",
            count,
        ),
        "heads_cleared": ngettext(
            "%(count)d unit loses its head, who leaves", "%(count)d units lose their head, who leaves", count
        ),
        "email_changes": ngettext(
            "%(count)d person gets a new login email", "%(count)d people get a new login email", count
        ),
        "partner_changes": ngettext(
            "%(count)d person gets a new interview partner",
            "%(count)d people get a new interview partner",
            count,
        ),
        "interviews_moving": ngettext(
            "%(count)d open interview moves to the new partner",
            "%(count)d open interviews move to the new partner",
            count,
        ),
        "meetings_cancelled": ngettext(
            "%(count)d booked meeting is cancelled; its calendar invitation is withdrawn by email",
            "%(count)d booked meetings are cancelled; their calendar invitations are withdrawn by email",
            count,
        ),
        "new_in_scope": ngettext(
            "%(count)d person is new to a running cycle; add them from the cycle's page",
            "%(count)d people are new to a running cycle; add them from the cycle's page",
            count,
        ),
    }
    return titles[kind] % {"count": count}


def impact_row(kind: str, row: dict) -> str:
    values = {**row, "old": row.get("old") or gettext("none"), "new": row.get("new") or gettext("none")}
    if row.get("starts_at"):
        values["when"] = date_format(
            timezone.localtime(datetime.datetime.fromisoformat(row["starts_at"])), "DATETIME_FORMAT"
        )
    if kind == "heads_cleared":
        return gettext("%(unit)s: %(name)s (%(number)s)") % values
    if kind == "held_stay":
        return gettext("%(name)s (%(number)s), %(cycle)s, with %(old)s") % values
    if kind == "leavers":
        return gettext("%(name)s (%(number)s), %(email)s") % values
    if kind == "interviews_ended":
        return gettext("%(name)s (%(number)s), %(cycle)s, with %(old)s") % values
    if kind == "interviews_moving":
        return gettext("%(name)s (%(number)s), %(cycle)s: from %(old)s to %(new)s") % values
    if kind == "meetings_cancelled":
        return gettext("%(name)s with %(old)s, %(when)s (%(cycle)s)") % values
    if kind == "new_in_scope":
        return gettext("%(name)s (%(number)s): %(cycle)s") % values
    return gettext("%(name)s (%(number)s): %(old)s → %(new)s") % values


@dataclass
class RowError:
    file: str
    line: int
    text: Message | str

    @property
    def message(self) -> str:
        return str(self.text)


@dataclass
class ImportReport:
    units_created: int = 0
    units_updated: int = 0
    units_unchanged: int = 0
    people_created: int = 0
    people_updated: int = 0
    people_unchanged: int = 0
    lines_opened: int = 0
    lines_closed: int = 0
    # Deactivated people who come back (SCIM's active=true): only when named, never by a file.
    people_reactivated: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[Message | str] = field(default_factory=list)
    # Each unit and person that changes, with the fields that change: {"kind": "unit" or
    # "person", "key", "name", "new": bool, "fields": [[field, old, new], ...]}.
    diffs: list[dict] = field(default_factory=list)
    changes_not_listed: int = 0
    # What the change does beyond the rows, by kind (IMPACT_KINDS): {"count", "rows"}.
    impact: dict = field(default_factory=dict)
    # The fields the file changes on the accounts of those who may import (HR for the whole
    # organisation, administrators), by employee number: whoever reads or applies the
    # import is warned when it changes their own account.
    account_changes: dict[str, list[str]] = field(default_factory=dict)
    applied: bool = False
    stale: bool = False
    # Reports stored before diffs: their changes as sentences in the uploader's language.
    changes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        """How many rows (or whole-file problems) are bad; a row can have several problems."""
        return len({(e.file, e.line) for e in self.errors})

    @property
    def changed(self) -> bool:
        return bool(
            self.impact.get("leavers", {}).get("count")
            or self.units_created
            or self.units_updated
            or self.people_created
            or self.people_updated
            or self.lines_opened
            or self.lines_closed
            or self.people_reactivated
        )

    def summary(self) -> dict[str, int]:
        """The counts HR confirmed: applying refuses when the same files would now do otherwise."""
        return {
            "units_created": self.units_created,
            "units_updated": self.units_updated,
            "units_unchanged": self.units_unchanged,
            "people_created": self.people_created,
            "people_updated": self.people_updated,
            "people_unchanged": self.people_unchanged,
            "lines_opened": self.lines_opened,
            "lines_closed": self.lines_closed,
            **{kind: self.impact.get(kind, {}).get("count", 0) for kind in IMPACT_KINDS},
        }

    def lists_change(self) -> bool:
        """Whether the next change is listed; past the cap it is only counted, which keeps a
        first import of 20,000 people a small JSON document."""
        if len(self.diffs) < MAX_LISTED_CHANGES:
            return True
        self.changes_not_listed += 1
        return False

    def note_impact(self, kind: str, row: dict) -> None:
        found = self.impact.setdefault(kind, {"count": 0, "rows": []})
        found["count"] += 1
        if len(found["rows"]) < MAX_LISTED_CHANGES:
            found["rows"].append(row)

    @property
    def has_impact(self) -> bool:
        return any(self.impact.get(kind, {}).get("count") for kind in IMPACT_KINDS)

    def fields_changed_for(self, user) -> list[str]:
        """What the file changes on this person's own account, as field names."""
        number = getattr(user, "employee_number", "")
        return self.account_changes.get(number, []) if number else []

    def needs_confirmation(self, user) -> bool:
        return self.has_impact or bool(self.fields_changed_for(user))

    def impact_list(self) -> list[dict]:
        """The consequences in the reader's language, in the order the page shows them."""
        shown = []
        for kind in IMPACT_KINDS:
            found = self.impact.get(kind)
            if found and found["count"]:
                shown.append(
                    {
                        "kind": kind,
                        "title": impact_title(kind, found["count"]),
                        "rows": [impact_row(kind, row) for row in found["rows"]],
                        "not_listed": found["count"] - len(found["rows"]),
                    }
                )
        return shown

    def diff_rows(self) -> list[dict]:
        """Each changed unit and person with its fields' labels and values, for the reader."""
        return [
            {
                **diff,
                "fields": [
                    {"label": FIELD_LABELS[name], "old": _shown(name, old), "new": _shown(name, new)}
                    for name, old, new in diff["fields"]
                ],
            }
            for diff in self.diffs
        ]

    @staticmethod
    def field_labels(names: list[str]) -> list[str]:
        return [str(FIELD_LABELS[name]) for name in names]

    def error(self, file: str, line: int, message: Message | str) -> None:
        self.errors.append(RowError(file, line, message))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        data["bad_rows"] = self.bad_rows
        data["changed"] = self.changed
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["errors"] = [
            RowError(e["file"], e["line"], Message.from_data(e.get("text", e.get("message", ""))))
            for e in known.get("errors", [])
        ]
        known["notes"] = [Message.from_data(note) for note in known.get("notes", [])]
        return cls(**known)
