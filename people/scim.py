"""SCIM 2.0 provisioning (RFC 7643/7644) at /scim/v2/: the identity provider keeps people.

Users only (no Groups): a SCIM User is a person of the organisation, keyed by the
enterprise extension's employeeNumber, the same key as the HR import. Every write goes
through the import (people.importing), one row, so the same checks apply: an unknown unit,
a manager who would close a loop of reporting lines, an address that is somebody else's
are refused with a SCIM error naming the problem, and nothing is half-written.

- userName is kept as the provider's name for the person (ScimIdentity); the address is
  the primary (or first work) email, or userName when that is an address.
- department is a unit: its code, or its exact name. The schema lists the codes as
  canonical values, so a client can offer them.
- manager is the interview partner (a reporting line of SCIM_PARTNER_KIND, or the kind the
  person's line already has); its value is the partner's SCIM id.
- userType is the job kind when it names one (administrative, academic, technical); other
  values (Entra's "Member") leave it as it is (SCIM_DEFAULT_JOB_KIND for somebody new).
- active=false, and DELETE, deactivate: the person is signed out and their open talks end
  as excused, as when they leave the HR file. DELETE also forgets the SCIM name, after
  which SCIM answers 404 for them; they are never removed, their signed talks stay.

scim2-models (the python-scim project's models, which scim2-tester checks against) reads
and writes the messages, parses filters and applies PATCH operations; django-scim2 was
not used because it creates Django users on its own terms and translates filters to raw
SQL, where here every write must be an import row.
"""

from __future__ import annotations

import json
import re
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError as PydanticValidationError
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    Email,
    EnterpriseUser,
    ETag,
    Filter,
    ListResponse,
    Manager,
    Meta,
    Name,
    Patch,
    PatchOp,
    ResourceType,
    ResponseParameters,
    Schema,
    SCIMException,
    ScimFilter,
    ServiceProviderConfig,
    Sort,
    User,
)
from scim2_models import Error as ScimError
from scim2_models.path import Comparison, LogicalExpr, Not, Present

from people.api_auth import ApiRefusal, token_authenticate
from people.importing import LANGUAGE_ALIASES, LANGUAGES, org_import_apply
from people.models import ApiScope, HRRole, JobKind, OrgUnit, ScimIdentity
from people.models import User as Person
from people.selectors import current_lines

SCIM_TYPE = "application/scim+json"
ScimUser = User[EnterpriseUser]
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MAX_RESULTS = 1000
# The unit codes the schema offers for department, at most this many (a client's hint).
MAX_CANONICAL_UNITS = 2000


class Refused(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None, headers=None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type, self.headers = status, detail, scim_type, headers or {}


def _answer(data: dict, status: int = 200, headers=None) -> HttpResponse:
    response = HttpResponse(json.dumps(data, default=str), status=status, content_type=SCIM_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(status: int, detail: str, scim_type: str | None = None, headers=None) -> HttpResponse:
    error = ScimError(status=status, detail=detail, scim_type=scim_type)
    return _answer(error.model_dump(), status, headers)


def scim_view(methods: tuple[str, ...]):
    """A SCIM endpoint: a token with the scim scope, these methods, errors as SCIM errors."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                token_authenticate(request, scope=ApiScope.SCIM)
            except ApiRefusal as refusal:
                return _error(refusal.status, refusal.detail, headers=refusal.headers)
            if request.method not in methods:
                return _error(
                    405, f"{request.method} is not supported here.", headers={"Allow": ", ".join(methods)}
                )
            try:
                return view(request, *args, **kwargs)
            except Refused as refused:
                return _error(refused.status, refused.detail, refused.scim_type, refused.headers)
            except SCIMException as exc:
                return _error(exc.status, str(exc) or exc.detail, exc.scim_type)
            except PydanticValidationError as exc:
                return _error(400, _pydantic_detail(exc), "invalidValue")
            except (UnicodeError, ValueError) as exc:
                return _error(400, f"A value cannot be read: {exc}"[:300], "invalidValue")

        wrapper.login_not_required = True
        return wrapper

    return decorate


def _pydantic_detail(exc: PydanticValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}".strip(": ") for e in exc.errors()
    )[:1000]


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(400, "The body is not JSON.", "invalidSyntax") from exc
    if not isinstance(data, dict):
        raise Refused(400, "The body must be a JSON object.", "invalidSyntax")
    # Half a surrogate pair ("\ud800") is valid JSON that no database column can hold.
    if _SURROGATE.search(json.dumps(data, ensure_ascii=False)):
        raise Refused(
            400,
            "The body holds a character that cannot be stored (a broken escape such as \\ud800).",
            "invalidValue",
        )
    return data


_SURROGATE = re.compile("[\ud800-\udfff]")


# --- people as SCIM users ------------------------------------------------------------------


def _people():
    """The people SCIM sees: the organisation's (with an employee number), not forgotten."""
    return (
        Person.objects.exclude(employee_number="")
        .exclude(scim__deleted_at__isnull=False)
        .select_related("unit", "scim")
    )


def _location(request, pk: int) -> str:
    return request.build_absolute_uri(reverse("scim_user", args=[pk]))


def _partners(people: list[Person]) -> dict[int, Person]:
    lines = current_lines().filter(employee__in=people).select_related("partner")
    return {line.employee_id: line.partner for line in lines}


def _identity(person: Person) -> ScimIdentity | None:
    try:
        return person.scim
    except ScimIdentity.DoesNotExist:
        return None


def to_scim(request, person: Person, partner: Person | None) -> ScimUser:
    identity = _identity(person)
    user = ScimUser(
        id=str(person.pk),
        external_id=(identity.external_id or None) if identity else None,
        user_name=identity.user_name if identity else person.email,
        name=Name(given_name=person.given_name or None, family_name=person.family_name or None),
        display_name=str(person),
        user_type=person.job_kind or None,
        preferred_language=person.language or None,
        active=person.is_active,
        emails=[Email(value=person.email, type="work")],
        meta=Meta(
            resource_type="User",
            created=identity.created_at if identity else person.date_joined,
            last_modified=identity.updated_at if identity else person.date_joined,
            location=_location(request, person.pk),
        ),
    )
    user[EnterpriseUser] = EnterpriseUser(
        employee_number=person.employee_number,
        department=person.unit.code if person.unit else None,
        manager=Manager(value=str(partner.pk), ref=_location(request, partner.pk)) if partner else None,
    )
    return user


def _dump(request, user: ScimUser, ctx: Context = Context.RESOURCE_QUERY_RESPONSE) -> dict:
    return user.model_dump(scim_ctx=ctx, response_parameters=_response_parameters(request.GET))


def _response_parameters(source) -> ResponseParameters | None:
    """attributes and excludedAttributes (RFC 7644, 3.9), from the query or a search's body;
    a path no User has is a 400."""
    given = {}
    for key in ("attributes", "excludedAttributes"):
        value = source.get(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ",".join(value)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise Refused(400, f"{key} must be a list of attribute names.", "invalidValue")
        given[key] = value[:2000]
    if not given:
        return None
    return ResponseParameters[ScimUser].model_validate(given)


def _person_or_404(pk: str) -> Person:
    if not (pk.isascii() and pk.isdigit()) or len(pk) > 12:
        raise Refused(404, "No such user.")
    person = _people().filter(pk=int(pk)).first()
    if person is None:
        raise Refused(404, "No such user.")
    return person


# --- writing through the import --------------------------------------------------------------


def _unit_code(department: str | None, person: Person | None) -> str:
    if not department:
        if person is not None and person.unit is not None:
            return person.unit.code
        raise Refused(400, "The department (a unit's code or name) is required.", "invalidValue")
    if OrgUnit.objects.filter(code=department).exists():
        return department
    named = list(OrgUnit.objects.filter(name__iexact=department).values_list("code", flat=True)[:2])
    if len(named) == 1:
        return named[0]
    # Unknown: the import refuses it with its own words.
    return department


def _job_kind(user_type: str | None, person: Person | None) -> str:
    wanted = (user_type or "").strip().lower()
    for kind in JobKind:
        if wanted in (kind.value, str(kind.label).lower(), kind.value.split("_")[0]):
            return kind.value
    if person is not None and person.job_kind:
        return person.job_kind
    return settings.SCIM_DEFAULT_JOB_KIND


def _language(value: str | None, person: Person | None) -> str:
    wanted = (value or "").strip().lower().replace("_", "-")
    wanted = LANGUAGE_ALIASES.get(wanted, wanted)
    if wanted not in LANGUAGES:
        primary = wanted.split("-")[0]
        wanted = "nb" if primary in ("no", "nb", "nn") else primary
    if wanted in LANGUAGES:
        return wanted
    return person.language if person is not None else ""


def _email(user: ScimUser) -> str:
    emails = user.emails or []
    chosen = next((e for e in emails if e.primary), None) or next(
        (e for e in emails if (e.type or "") == "work"), None
    )
    chosen = chosen or (emails[0] if emails else None)
    address = (chosen.value if chosen else None) or ""
    if not address and "@" in (user.user_name or ""):
        address = user.user_name
    address = address.strip().lower()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise Refused(
            400, "An email address is required (emails, or a userName that is one).", "invalidValue"
        ) from exc
    return address


def _partner_number(manager: Manager | None) -> str:
    value = (manager.value if manager else None) or ""
    if not value:
        return ""
    partner = (
        _people().filter(pk=int(value)).first()
        if (value.isascii() and value.isdigit()) and len(value) < 12
        else None
    )
    if partner is None:
        raise Refused(400, f"Unknown manager {value[:100]}: no user has that id.", "invalidValue")
    return partner.employee_number


def _write(request, user: ScimUser, person: Person | None) -> Person:
    """Create (person None) or replace a person from a SCIM user, as a one-row import."""
    extension = user[EnterpriseUser] if ENTERPRISE in (user.schemas or []) or user[EnterpriseUser] else None
    number = ((extension.employee_number if extension else None) or "").strip()
    renumber = person is not None and bool(number) and number != person.employee_number
    if person is not None and not number:
        number = person.employee_number
    if len(number) > 64:
        raise Refused(400, "The employeeNumber is longer than 64 characters.", "invalidValue")
    if renumber and Person.objects.filter(employee_number=number).exists():
        raise Refused(409, "A user with this employeeNumber exists already.", "uniqueness")
    if not number:
        raise Refused(400, "The enterprise extension's employeeNumber is required.", "invalidValue")
    user_name = (user.user_name or "").strip()
    if not user_name or len(user_name) > 254:
        raise Refused(400, "userName is required (at most 254 characters).", "invalidValue")
    email = _email(user)
    taken = ScimIdentity.objects.annotate(lower=Lower("user_name")).filter(lower=user_name.lower())
    if person is not None:
        taken = taken.exclude(person=person)
    if taken.exists():
        raise Refused(409, "Another user has this userName.", "uniqueness")
    owner = Person.objects.with_email(email).first()
    if owner is not None and owner != person:
        raise Refused(409, "Another user has this email address.", "uniqueness")
    if person is None and Person.objects.filter(employee_number=number).exists():
        raise Refused(409, "A user with this employeeNumber exists already.", "uniqueness")

    line = current_lines().filter(employee=person).first() if person is not None else None
    partner = _partner_number(extension.manager if extension else None)
    row = {
        "employee_number": number,
        "given_name": (user.name.given_name if user.name else None) or "",
        "family_name": (user.name.family_name if user.name else None) or "",
        "email": email,
        "job_kind": _job_kind(user.user_type, person),
        "unit_code": _unit_code(extension.department if extension else None, person),
        "partner_employee_number": partner,
        "partner_kind": (line.kind if line is not None and partner else settings.SCIM_PARTNER_KIND)
        if partner
        else "",
        "language": _language(user.preferred_language, person),
    }
    active = user.active is not False
    with transaction.atomic():
        if renumber:
            # The HR system renumbered the person: the same person (their SCIM id), a new key.
            Person.objects.filter(pk=person.pk).update(employee_number=number)
            person.employee_number = number
        report = org_import_apply(
            units_data=None,
            people_data=json.dumps([row]),
            leaving=[number] if not active and person is not None else (),
            returning=[number] if active and person is not None and not person.is_active else (),
        )
        _refuse_if_bad(report)
        saved = Person.objects.get(employee_number=number)
        if not active and person is None:
            _refuse_if_bad(org_import_apply(units_data=None, people_data=None, leaving=[number]))
        ScimIdentity.objects.update_or_create(
            person=saved,
            defaults={
                "user_name": user_name,
                "external_id": (user.external_id or "")[:255],
                "deleted_at": None,
            },
        )
    return _people().get(pk=saved.pk)


def _refuse_if_bad(report) -> None:
    if not report.ok:
        raise Refused(400, " ".join(e.message for e in report.errors)[:1000], "invalidValue")


def _parse(data: dict, ctx: Context) -> ScimUser:
    return ScimUser.model_validate(data, scim_ctx=ctx)


def _user_answer(request, person: Person, status: int = 200) -> HttpResponse:
    partner = _partners([person]).get(person.pk)
    user = to_scim(request, person, partner)
    return _answer(_dump(request, user), status, {"Location": _location(request, person.pk)})


# --- filters ------------------------------------------------------------------------------------

# SCIM attribute -> (field of the person, case exact?)
FILTERABLE = {
    "id": ("pk", True),
    "username": ("scim_or_email", False),
    "externalid": ("scim__external_id", True),
    "emails": ("email", False),
    "emails.value": ("email", False),
    "name.givenname": ("given_name", False),
    "name.familyname": ("family_name", False),
    "displayname": ("display", False),
    "active": ("is_active", True),
    "employeenumber": ("employee_number", True),
    "department": ("unit__code", True),
}
LOOKUPS = {"eq": "exact", "co": "contains", "sw": "startswith", "ew": "endswith"}


def _filter_q(node) -> Q:
    if isinstance(node, LogicalExpr):
        terms = [_filter_q(term) for term in node.terms]
        combined = terms[0]
        for term in terms[1:]:
            combined = (combined & term) if node.op == "and" else (combined | term)
        return combined
    if isinstance(node, Not):
        return ~_filter_q(node.expr)
    if isinstance(node, Present):
        field = _field_of(node.attr_path)
        if field == "scim_or_email":
            return Q()
        return (
            ~Q(**{field: ""}) & Q(**{f"{field}__isnull": False}) if field not in ("pk", "is_active") else Q()
        )
    if isinstance(node, Comparison):
        field = _field_of(node.attr_path)
        op = str(node.op)
        value = node.value
        if op in ("ne",):
            return ~_filter_q(Comparison(attr_path=node.attr_path, op="eq", value=value))
        if op not in LOOKUPS:
            raise Refused(400, f"The operator {op} is not supported.", "invalidFilter")
        if field == "is_active":
            if op != "eq" or not isinstance(value, bool):
                raise Refused(400, "active is compared with eq true or eq false.", "invalidFilter")
            return Q(is_active=value)
        if field == "pk":
            return (
                Q(pk=int(value))
                if op == "eq" and (str(value).isascii() and str(value).isdigit()) and len(str(value)) < 12
                else Q(pk__in=[])
            )
        text = str(value)
        lookup = LOOKUPS[op] if FILTERABLE_EXACT.get(field) else f"i{LOOKUPS[op]}"
        if field == "scim_or_email":
            return Q(**{f"scim__user_name__{lookup}": text}) | (
                Q(scim__isnull=True) & Q(**{f"email__{lookup}": text})
            )
        if field == "display":
            return Q(**{f"given_name__{lookup}": text}) | Q(**{f"family_name__{lookup}": text})
        return Q(**{f"{field}__{lookup}": text})
    raise Refused(400, "This filter is not supported.", "invalidFilter")


FILTERABLE_EXACT = {field: exact for field, exact in FILTERABLE.values()}


def _field_of(attr_path) -> str:
    name = attr_path.attr.lower()
    if attr_path.sub_attr:
        name = f"{name}.{attr_path.sub_attr.lower()}"
    if attr_path.uri and attr_path.uri not in (CORE, ENTERPRISE):
        raise Refused(400, f"Unknown schema {attr_path.uri}.", "invalidFilter")
    found = FILTERABLE.get(name)
    if found is None:
        raise Refused(400, f"Filtering on {name} is not supported.", "invalidFilter")
    return found[0]


def _int_param(raw, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise Refused(400, f"{name} must be a whole number.", "invalidValue")
    try:
        return max(low, min(high, int(raw)))
    except ValueError as exc:
        raise Refused(400, f"{name} must be a whole number.", "invalidValue") from exc


# --- endpoints ------------------------------------------------------------------------------------


@scim_view(("GET", "POST"))
def users(request):
    if request.method == "POST":
        user = _parse(_body(request), Context.RESOURCE_CREATION_REQUEST)
        # Somebody the provider deleted comes back (rehired, or deleted by mistake): the same
        # person, their talks and history, active again, rather than a conflict forever.
        extension = user[EnterpriseUser]
        number = ((extension.employee_number if extension else None) or "").strip()
        forgotten = (
            Person.objects.select_related("unit", "scim")
            .filter(employee_number=number, scim__deleted_at__isnull=False)
            .first()
            if number
            else None
        )
        person = _write(request, user, forgotten)
        return _user_answer(request, person, 201)
    return _search(
        request,
        expression=request.GET.get("filter", ""),
        start=_int_param(request.GET.get("startIndex"), "startIndex", 1, 1, 10_000_000),
        count=_int_param(request.GET.get("count"), "count", 100, 0, MAX_RESULTS),
        parameters=_response_parameters(request.GET),
    )


@scim_view(("POST",))
def users_search(request):
    """POST /Users/.search (RFC 7644, 3.4.3): the same search, its parameters in the body."""
    data = _body(request)
    if not isinstance(data.get("filter", ""), str):
        raise Refused(400, "filter must be a string.", "invalidValue")
    return _search(
        request,
        expression=data.get("filter") or "",
        start=_int_param(data.get("startIndex"), "startIndex", 1, 1, 10_000_000),
        count=_int_param(data.get("count"), "count", 100, 0, MAX_RESULTS),
        parameters=_response_parameters(data),
    )


def _search(request, *, expression: str, start: int, count: int, parameters) -> HttpResponse:
    people = _people()
    expression = expression.strip()
    if expression:
        if len(expression) > 1000:
            raise Refused(400, "The filter is too long.", "invalidFilter")
        try:
            parsed = ScimFilter(expression)
            ast = parsed.ast
        except Exception as exc:  # the parser's own errors say where the filter is wrong
            raise Refused(400, f"The filter cannot be read: {exc}"[:500], "invalidFilter") from exc
        people = people.filter(_filter_q(ast))
    people = people.order_by("pk").distinct()
    total = people.count()
    page = list(people[start - 1 : start - 1 + count]) if count else []
    partners = _partners(page)
    listing = ListResponse[ScimUser](
        total_results=total,
        start_index=start,
        items_per_page=len(page),
        resources=[to_scim(request, p, partners.get(p.pk)) for p in page] or None,
    )
    return _answer(listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=parameters))


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def user(request, pk: str):
    person = _person_or_404(pk)
    if request.method == "GET":
        return _user_answer(request, person)
    if person.is_staff or person.is_superuser or HRRole.objects.filter(user=person).exists():
        # Whoever holds the provider's token must not take over (by a new address and a
        # password reset) or lock out those who hold HR or administrator rights.
        raise Refused(
            403,
            "This person has HR or administrator rights: change them in the HR file or the administration, not over SCIM.",
        )
    if request.method == "PUT":
        replacement = _parse(_body(request), Context.RESOURCE_REPLACEMENT_REQUEST)
        return _user_answer(request, _write(request, replacement, person))
    if request.method == "PATCH":
        patch = PatchOp[ScimUser].model_validate(_body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        current = to_scim(request, person, _partners([person]).get(person.pk))
        patch.patch(current)
        return _user_answer(request, _write(request, current, person))
    # DELETE: deactivated, and forgotten by SCIM (404 from now on); never removed.
    with transaction.atomic():
        if person.is_active:
            _refuse_if_bad(
                org_import_apply(units_data=None, people_data=None, leaving=[person.employee_number])
            )
        ScimIdentity.objects.update_or_create(
            person=person,
            defaults={"user_name": f"deleted-{person.pk}", "deleted_at": timezone.now()},
        )
    return HttpResponse(status=204)


# --- discovery ----------------------------------------------------------------------------------


def _schemas() -> list[Schema]:
    """The attributes this provider keeps, as it keeps them (RFC 7643, 7)."""
    core = User.to_schema().model_dump()
    keep = {"userName", "name", "displayName", "userType", "preferredLanguage", "active", "emails"}
    core["attributes"] = [a for a in core["attributes"] if a["name"] in keep]
    for attribute in core["attributes"]:
        if attribute["name"] == "name":
            # The HR import needs both names, and so does SCIM.
            attribute["required"] = True
            attribute["subAttributes"] = [
                {**s, "required": True}
                for s in attribute["subAttributes"]
                if s["name"] in ("givenName", "familyName")
            ]
        if attribute["name"] == "displayName":
            attribute["mutability"] = "readOnly"
        if attribute["name"] in ("userType", "preferredLanguage", "active"):
            # A person always has a job kind, a language and a state: left out, the
            # person's own (or, for somebody new, the default) is kept.
            attribute["required"] = True
        if attribute["name"] == "userType":
            attribute["canonicalValues"] = list(JobKind.values)
            attribute["description"] = "The job kind: " + ", ".join(JobKind.values) + "."
        if attribute["name"] == "preferredLanguage":
            attribute["canonicalValues"] = sorted(LANGUAGES)
        if attribute["name"] == "emails":
            attribute["required"] = True
            attribute["subAttributes"] = [
                {**s, "canonicalValues": ["work"]}
                if s["name"] == "type"
                else {**s, "required": True}
                if s["name"] == "value"
                else s
                for s in attribute["subAttributes"]
                if s["name"] in ("value", "type")
            ]
    enterprise = EnterpriseUser.to_schema().model_dump()
    enterprise["attributes"] = [
        a for a in enterprise["attributes"] if a["name"] in ("employeeNumber", "department", "manager")
    ]
    codes = list(OrgUnit.objects.order_by("code").values_list("code", flat=True)[:MAX_CANONICAL_UNITS])
    for attribute in enterprise["attributes"]:
        if attribute["name"] == "employeeNumber":
            attribute.update(required=True, uniqueness="server")
            attribute["description"] = (
                "The HR system's key for the person (at most 64 characters); the import matches on it."
            )
        if attribute["name"] == "department":
            attribute.update(required=True, canonicalValues=codes)
            attribute["description"] = "The person's unit: its code (or its exact name)."
        if attribute["name"] == "manager":
            attribute["description"] = "The interview partner: their id here."
            attribute["subAttributes"] = [s for s in attribute["subAttributes"] if s["name"] != "displayName"]
    return [Schema.model_validate(core), Schema.model_validate(enterprise)]


def _with_meta(request, data: dict, resource_type: str, name: str, location: str) -> dict:
    data["meta"] = {"resourceType": resource_type, "location": request.build_absolute_uri(location)}
    return data


@scim_view(("GET",))
def service_provider_config(request):
    config = ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="Bearer token",
                description="A token with the scim scope, made by an administrator.",
                primary=True,
            )
        ],
    )
    data = config.model_dump()
    return _answer(_with_meta(request, data, "ServiceProviderConfig", "", reverse("scim_config")))


def _resource_type() -> dict:
    data = ResourceType.from_resource(ScimUser).model_dump()
    # employeeNumber and department live in the extension: a User here always has it.
    for extension in data.get("schemaExtensions", []):
        extension["required"] = True
    return data


@scim_view(("GET",))
def resource_types(request):
    item = _with_meta(
        request, _resource_type(), "ResourceType", "User", reverse("scim_resource_type", args=["User"])
    )
    listing = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 1,
        "startIndex": 1,
        "itemsPerPage": 1,
        "Resources": [item],
    }
    return _answer(listing)


@scim_view(("GET",))
def resource_type(request, name: str):
    if name != "User":
        raise Refused(404, "No such resource type: this provider has Users only.")
    return _answer(
        _with_meta(
            request, _resource_type(), "ResourceType", name, reverse("scim_resource_type", args=[name])
        )
    )


@scim_view(("GET",))
def schemas(request):
    items = [
        _with_meta(request, s.model_dump(), "Schema", s.id, reverse("scim_schema", args=[s.id]))
        for s in _schemas()
    ]
    return _answer(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(items),
            "startIndex": 1,
            "itemsPerPage": len(items),
            "Resources": items,
        }
    )


@scim_view(("GET",))
def schema(request, urn: str):
    for found in _schemas():
        if found.id == urn:
            return _answer(
                _with_meta(request, found.model_dump(), "Schema", urn, reverse("scim_schema", args=[urn]))
            )
    raise Refused(404, "No such schema.")


@scim_view(("GET", "POST", "PUT", "PATCH", "DELETE"))
def not_found(request, rest: str = ""):
    raise Refused(
        404,
        "There is no such endpoint. This provider has /Users, /Schemas, /ResourceTypes and /ServiceProviderConfig.",
    )


# Wired in config/urls.py under /scim/v2/.
urlpatterns = [
    path("Users", users, name="scim_users"),
    path("Users/.search", users_search, name="scim_users_search"),
    path(".search", users_search, name="scim_search"),
    path("Users/<str:pk>", user, name="scim_user"),
    path("ServiceProviderConfig", service_provider_config, name="scim_config"),
    path("ResourceTypes", resource_types, name="scim_resource_types"),
    path("ResourceTypes/<str:name>", resource_type, name="scim_resource_type"),
    path("Schemas", schemas, name="scim_schemas"),
    path("Schemas/<str:urn>", schema, name="scim_schema"),
    path("", not_found),
    path("<path:rest>", not_found),
]
