"""Writes for people and the organisation."""

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from people.api_auth import token_digest, token_make
from people.audit import audit
from people.generations import homes_renew
from people.models import WHOLE_ORGANISATION_SCOPES, ApiScope, ApiToken, OrgUnit, ReportingLine, User
from people.selectors import current_lines, is_hr_for_whole_organisation, today, units_visible_to_hr
from people.signals import partners_changed

ANY_LINE = object()


def org_lock() -> None:
    """Serialise writers of the organisation structure (imports, partner changes).

    On PostgreSQL a transaction-level advisory lock; SQLite already lets only one
    writer in at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [7_240_001])


def units_rebuild_paths() -> int:
    """Recompute every unit's materialised path and depth from the parent links.

    One read and one bulk update of the units that changed; returns how many changed.
    Raises ValidationError if the parent links form a cycle.
    """
    units = {u.pk: u for u in OrgUnit.objects.only("id", "parent_id", "path", "depth")}
    resolved: dict[int, tuple[str, int]] = {}

    def resolve(pk: int) -> tuple[str, int]:
        chain = []
        current = pk
        while current is not None and current not in resolved:
            if current in chain:
                raise ValidationError(_("The units' parent links form a cycle."))
            chain.append(current)
            current = units[current].parent_id
        prefix, depth = resolved[current] if current is not None else ("", -1)
        for node in reversed(chain):
            prefix, depth = f"{prefix}{node}/", depth + 1
            resolved[node] = (prefix, depth)
        return resolved[pk]

    changed = []
    for pk, unit in units.items():
        path, depth = resolve(pk)
        if unit.path != path or unit.depth != depth:
            unit.path, unit.depth = path, depth
            changed.append(unit)
    OrgUnit.objects.bulk_update(changed, ["path", "depth"], batch_size=1000)
    return len(changed)


@transaction.atomic
def reporting_line_change(
    *,
    employee: User,
    partner: User | None,
    kind: str = "",
    on: datetime.date | None = None,
    expected_line_id: int | None | object = ANY_LINE,
) -> ReportingLine | None:
    """Close the employee's open line and open a new one with this partner (None: no partner).

    expected_line_id is the open line the person asking saw (None: none); if somebody
    changed it meanwhile the change is refused rather than silently overwriting theirs.
    Returns the new line, or None when the employee is left without a partner.
    """
    on = on or today()
    org_lock()
    if partner is not None:
        if partner.pk == employee.pk:
            raise ValidationError(_("A person cannot be their own interview partner."))
        if not partner.is_active:
            raise ValidationError(
                _("%(name)s is no longer active and cannot be an interview partner.") % {"name": partner}
            )
        if kind not in ReportingLine.Kind.values:
            raise ValidationError(_("Choose what kind of partner this is."))
        if _would_cycle(employee=employee, partner=partner, on=on):
            raise ValidationError(
                _("%(partner)s already holds their interview, directly or indirectly, with %(employee)s.")
                % {"partner": partner, "employee": employee}
            )
    current = (
        ReportingLine.objects.select_for_update().filter(employee=employee, valid_to__isnull=True).first()
    )
    if expected_line_id is not ANY_LINE and (current.pk if current else None) != expected_line_id:
        raise ValidationError(
            _(
                "Someone else changed this person's interview partner meanwhile. Check the new partner and try again."
            )
        )
    if current and partner and current.partner_id == partner.pk and current.kind == kind:
        raise ValidationError(_("%(partner)s is already the interview partner.") % {"partner": partner})
    if current:
        if current.valid_from > on:
            raise ValidationError(
                _("The current line only starts on %(date)s; change it from that day on.")
                % {"date": current.valid_from}
            )
        current.valid_to = on
        current.save(update_fields=["valid_to"])
    line = None
    if partner is not None:
        line = ReportingLine.objects.create(employee=employee, partner=partner, kind=kind, valid_from=on)
    partners_changed.send(sender=ReportingLine, employee_ids=[employee.pk])
    # The employee's line, and both partners' counts of the people they hold talks with.
    homes_renew(employee.pk, current.partner_id if current else None, partner.pk if partner else None)
    audit("partner_changed", obj=employee, detail=f"partner={partner.pk if partner else ''}")
    return line


def _would_cycle(*, employee: User, partner: User, on: datetime.date) -> bool:
    """Whether making `partner` the employee's partner closes a loop A -> B -> ... -> A."""
    partner_of = dict(current_lines(on=on).values_list("employee_id", "partner_id"))
    seen = set()
    node = partner.pk
    while node is not None and node not in seen:
        if node == employee.pk:
            return True
        seen.add(node)
        node = partner_of.get(node)
    return False


# --- API tokens --------------------------------------------------------------------------

# The longest a token lives: an integration's token is renewed at least once a year.
TOKEN_MAX_DAYS = 366


@transaction.atomic
def api_token_create(
    *,
    by: User,
    name: str,
    scopes: list[str],
    expires_on: datetime.date,
    whole_organisation: bool = False,
    units: list[OrgUnit] | tuple[OrgUnit, ...] = (),
) -> tuple[ApiToken, str]:
    """Make a token for an integration: (the token row, the token to show once).

    Who may: administrators (any scope, any units) and HR (no further than their own units;
    provisioning and the import's write only for HR of the whole organisation, who import).
    """
    name = name.strip()
    scopes = sorted(set(scopes))
    if not name:
        raise ValidationError(_("Name the integration the token is for."))
    if not scopes or any(s not in ApiScope.values for s in scopes):
        raise ValidationError(_("Choose what the token may do."))
    if expires_on <= today() or expires_on > today() + datetime.timedelta(days=TOKEN_MAX_DAYS):
        raise ValidationError(
            _("The expiry must be after today and at most %(days)d days ahead.") % {"days": TOKEN_MAX_DAYS}
        )
    whole_allowed = by.is_staff or is_hr_for_whole_organisation(by)
    if not by.is_staff:
        if not units_visible_to_hr(by).exists():
            raise ValidationError(_("Only administrators and HR make tokens."))
        allowed = set(units_visible_to_hr(by).values_list("pk", flat=True))
        if any(unit.pk not in allowed for unit in units):
            raise ValidationError(_("Choose units you are HR for."))
    if whole_organisation and not whole_allowed:
        raise ValidationError(_("Only HR for the whole organisation and administrators make such tokens."))
    # What it may do before what it sees: choosing units is no help to a provisioning token.
    if set(scopes) & WHOLE_ORGANISATION_SCOPES and not whole_organisation:
        raise ValidationError(
            _("Provisioning and importing change the whole organisation: such a token must see all of it.")
        )
    if not whole_organisation and not units:
        raise ValidationError(_("Choose the units the token sees, or the whole organisation."))
    raw, prefix = token_make()
    expires_at = timezone.make_aware(datetime.datetime.combine(expires_on, datetime.time(0, 0)))
    token = ApiToken.objects.create(
        name=name[:100],
        prefix=prefix,
        digest=token_digest(raw),
        scopes=scopes,
        whole_organisation=whole_organisation,
        created_by=by,
        expires_at=expires_at,
    )
    if not whole_organisation:
        token.units.set(units)
    audit("api_token_created", actor=by, obj=token, detail=f"{token.name} {' '.join(scopes)}")
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User) -> None:
    """Revoke a token at once: its next call is 401. Revoking twice changes nothing."""
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    if changed:
        audit("api_token_revoked", actor=by, obj=token, detail=token.name)
