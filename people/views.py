import itertools
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from people import audit_log, spreadsheets
from people.audit import audit
from people.forms import ApiTokenForm, AuditSearchForm, ImportForm, PartnerChangeForm, search_query
from people.importing import ImportReport, decode, org_import_apply, org_import_check
from people.mail import site_url
from people.models import ApiScope, AuditEntry, OrgImport, ReportingLine, User
from people.selectors import (
    api_tokens_visible_to,
    current_line_of,
    hr_role_of,
    is_hr,
    is_hr_for_whole_organisation,
    partners_by_employee,
    people_partnered_by,
    people_visible_to_hr,
    unit_tree,
    units_visible_to_hr,
)
from people.services import api_token_create, api_token_revoke, reporting_line_change
from people.sso.common import safe_next
from people.welcome import welcome_due, welcome_offered, welcome_send

PEOPLE_PAGE_SIZE = 200


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's "choose a new password" page, in the language of the person the link is for.

    The visitor is not signed in, so the browser's language would decide; but the link was
    emailed to one person, in their language. Only a valid link counts: a user number alone
    tells a stranger nothing. Once the password is set, the language cookie keeps the
    "done" page and the sign-in page that follows in that language as well.
    """

    def dispatch(self, *args, **kwargs):
        user = self.get_user(kwargs["uidb64"])
        token = kwargs["token"]
        if token == self.reset_url_token:
            token = self.request.session.get(auth_views.INTERNAL_RESET_SESSION_TOKEN)
        self.language = None
        valid = user is not None and token and self.token_generator.check_token(user, token)
        if valid and user.language in dict(settings.LANGUAGES):
            self.language = user.language
            translation.activate(user.language)
            self.request.LANGUAGE_CODE = user.language
        return super().dispatch(*args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, self.language, max_age=365 * 24 * 3600, samesite="Lax"
            )
        return response


@login_not_required
@require_POST
def language_set(request):
    """Switch the interface language: saved on the user, and in a cookie for the login page."""
    language = request.POST.get("language", "")
    next_url = safe_next(request, request.POST.get("next", ""), reverse("home"))
    if language not in dict(settings.LANGUAGES):
        return HttpResponseRedirect(next_url)
    if request.user.is_authenticated:
        request.user.language = language
        request.user.save(update_fields=["language"])
    response = HttpResponseRedirect(next_url)
    response.set_cookie("django_language", language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_not_required
@never_cache
def healthz(request):
    """Database and broker status for a load balancer; no login, no data."""
    status = {"database": "ok", "broker": "ok"}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means the database is not usable
        status["database"] = "unavailable"
        code = 503
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001 - the web app keeps working without its broker
        status["broker"] = "unavailable"
    return JsonResponse(status, status=code)


# --- HR -------------------------------------------------------------------------------


def _require_hr(request):
    if hr_role_of(request.user) is None:
        raise Http404


def unit_list(request):
    _require_hr(request)
    units = units_visible_to_hr(request.user).annotate(
        people_count=Count("members", filter=Q(members__is_active=True))
    )
    query = search_query(request)
    found = []
    if query:
        found = list(
            people_visible_to_hr(request.user)
            .filter(
                Q(given_name__icontains=query)
                | Q(family_name__icontains=query)
                | Q(email__icontains=query)
                | Q(employee_number=query)
            )
            .select_related("unit")[:50]
        )
    return render(
        request, "people/unit_list.html", {"units": unit_tree(units), "query": query, "found": found}
    )


def unit_detail(request, pk):
    _require_hr(request)
    unit = get_object_or_404(units_visible_to_hr(request.user).select_related("parent", "head"), pk=pk)
    include_sub_units = request.GET.get("all") == "1"
    units = unit.subtree() if include_sub_units else [unit]
    members = (
        User.objects.filter(unit__in=units, is_active=True)
        .select_related("unit")
        .order_by("family_name", "given_name")
    )
    total = members.count()
    members = list(members[:PEOPLE_PAGE_SIZE])
    lines = partners_by_employee([m.pk for m in members])
    for member in members:
        member.current_line = lines.get(member.pk)
    children = unit_tree(
        units_visible_to_hr(request.user).filter(parent=unit).annotate(people_count=Count("members"))
    )
    return render(
        request,
        "people/unit_detail.html",
        {
            "unit": unit,
            "members": members,
            "total": total,
            "truncated": total > len(members),
            "children": children,
            "include_sub_units": include_sub_units,
            **_welcome_context(people_visible_to_hr(request.user).filter(unit__in=unit.subtree())),
        },
    )


def person_detail(request, pk):
    _require_hr(request)
    person = get_object_or_404(people_visible_to_hr(request.user).select_related("unit"), pk=pk)
    line = current_line_of(person)
    open_line = ReportingLine.objects.filter(employee=person, valid_to__isnull=True).first()
    if request.method == "POST":
        form = PartnerChangeForm(request.POST, employee=person)
        if person.pk == request.user.pk:
            # Nobody uses HR's powers on their own talks: who holds them is for another HR user.
            form.is_valid()
            form.add_error(None, _("You cannot change your own interview partner; ask another HR user."))
        elif form.is_valid():
            based_on = form.cleaned_data["based_on"]
            try:
                reporting_line_change(
                    employee=person,
                    partner=form.cleaned_data["partner"],
                    kind=form.cleaned_data["kind"],
                    expected_line_id=int(based_on) if based_on.isascii() and based_on.isdigit() else None,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("The interview partner of %(name)s was changed.") % {"name": person}
                )
                return redirect("people:person_detail", pk=person.pk)
    else:
        form = PartnerChangeForm(
            employee=person,
            initial={
                "partner": line.partner.employee_number or line.partner.email if line else "",
                "kind": line.kind if line else "",
                "based_on": open_line.pk if open_line else "",
            },
        )
    history = ReportingLine.objects.filter(employee=person).select_related("partner")
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "line": line,
            "form": form,
            "history": history,
            "partnered": people_partnered_by(person).order_by("family_name"),
            **_welcome_context(User.objects.filter(pk=person.pk), again=True),
            "last_welcome": person.welcome_emails.order_by("-sent_at").first() if welcome_offered() else None,
        },
    )


def _require_import_rights(request):
    # The import changes the whole organisation, so only HR for the whole organisation may run it.
    if not is_hr_for_whole_organisation(request.user):
        raise Http404


def import_start(request):
    _require_import_rights(request)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            texts = {}
            report = ImportReport()
            for field in ("units_file", "people_file"):
                upload = form.cleaned_data.get(field)
                # PostgreSQL text cannot hold NUL; such a file is refused by the check anyway.
                # A workbook's first sheet is kept as CSV text, and checked and applied as CSV.
                texts[field] = decode(upload.read(), label=upload.name, report=report) if upload else None
            stored = {field: (text or "").replace("\x00", "") for field, text in texts.items()}
            if report.errors:
                checked = report  # a workbook that cannot be read: nothing of it to check
            else:
                checked = org_import_check(
                    units_data=texts["units_file"],
                    people_data=texts["people_file"],
                    by=request.user,
                    whole_organisation=form.cleaned_data["whole_organisation"],
                )
                checked.notes = report.notes + checked.notes
            record = OrgImport.objects.create(
                created_by=request.user,
                units_filename=getattr(form.cleaned_data.get("units_file"), "name", ""),
                people_filename=getattr(form.cleaned_data.get("people_file"), "name", ""),
                units_text=stored["units_file"],
                people_text=stored["people_file"],
                status=OrgImport.Status.PREVIEWED if checked.ok else OrgImport.Status.REJECTED,
                report=checked.as_dict(),
                whole_organisation=form.cleaned_data["whole_organisation"],
            )
            return redirect("people:import_detail", pk=record.pk)
    else:
        form = ImportForm()
    recent = OrgImport.objects.select_related("created_by")[:10]
    return render(request, "people/import_form.html", {"form": form, "recent": recent})


def import_detail(request, pk):
    _require_import_rights(request)
    record = get_object_or_404(OrgImport.objects.select_related("created_by"), pk=pk)
    report = ImportReport.from_dict(record.report)
    mine = report.fields_changed_for(request.user)
    context = {
        "record": record,
        "report": report,
        "my_fields": report.field_labels(mine),
        "confirm": report.needs_confirmation(request.user),
    }
    if record.status == OrgImport.Status.APPLIED:
        context |= _welcome_context(people_visible_to_hr(request.user))
    return render(request, "people/import_detail.html", context)


@require_POST
def import_apply(request, pk):
    _require_import_rights(request)
    with transaction.atomic():
        record = get_object_or_404(OrgImport.objects.select_for_update(), pk=pk)
        if record.status != OrgImport.Status.PREVIEWED:
            messages.error(
                request, _("This import was already applied or had bad rows; upload the files again.")
            )
            return redirect("people:import_detail", pk=record.pk)
        previewed = ImportReport.from_dict(record.report)
        if previewed.needs_confirmation(request.user) and request.POST.get("confirm") != "1":
            # What the import does beyond its rows (new login emails, meetings cancelled, the
            # importer's own account) is applied only by someone who ticked that they read it.
            messages.error(request, _("Tick the box to confirm the consequences listed, then apply."))
            return redirect("people:import_detail", pk=record.pk)
        report = org_import_apply(
            units_data=record.units_text if record.units_filename else None,
            people_data=record.people_text if record.people_filename else None,
            expected_summary=previewed.summary(),
            whole_organisation=record.whole_organisation,
            by=request.user,
        )
        record.report = report.as_dict()
        if report.applied:
            record.status = OrgImport.Status.APPLIED
            record.applied_at = timezone.now()
        elif not report.ok:
            record.status = OrgImport.Status.REJECTED
        record.save()
    if report.applied:
        messages.success(request, _("The import was applied."))
    elif report.stale:
        messages.warning(request, _("The organisation changed since the check. Look at the new summary."))
    elif report.ok:
        messages.info(request, _("Nothing to change: the organisation already matches these files."))
    else:
        messages.error(request, _("Some rows are now bad; nothing was applied."))
    return redirect("people:import_detail", pk=record.pk)


# --- the audit log ---------------------------------------------------------------------

AUDIT_PAGE_SIZE = 100
# The pager counts this many entries at most; older ones are reached by a period.
AUDIT_COUNT_CAP = 10_000


def _audit_search(request):
    """The search asked for, for the audit log's readers only (HR for the whole organisation
    and administrators); a search that does not hold finds nothing until it is corrected."""
    if not (request.user.is_staff or is_hr_for_whole_organisation(request.user)):
        raise Http404
    form = AuditSearchForm(request.GET)
    if not form.is_valid():
        return form, AuditEntry.objects.none()
    return form, audit_log.audit_entries_matching(**form.cleaned_data)


def audit_log_page(request):
    """Who did what to which object and when, as sentences, newest first."""
    form, entries = _audit_search(request)
    paginator = audit_log.CappedPaginator(entries, AUDIT_PAGE_SIZE, cap=AUDIT_COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": audit_log.audit_rows(list(page), request.user),
        "query": query.urlencode(),
        "zone": settings.TIME_ZONE,
        "export_max": audit_log.EXPORT_MAX,
        "export_max_xlsx": audit_log.EXPORT_MAX_XLSX,
    }
    return render(request, "people/audit_log.html", context)


def audit_log_export(request, fmt):
    """What the search shows, as CSV or XLSX, the newest EXPORT_MAX entries; itself audited."""
    form, entries = _audit_search(request)
    if not form.is_valid():
        messages.error(request, _("Nothing was exported: correct the filters marked below first."))
        return redirect(reverse("people:audit_log") + "?" + request.GET.urlencode())
    most = audit_log.export_max(fmt)
    found = entries[: most + 1].count()
    search = " ".join(f"{key}={value}" for key, value in form.cleaned_data.items() if value)
    audit("audit_exported", detail=f"{fmt} rows={min(found, most)} {search}".strip())
    rows = audit_log.export_rows(entries, request.user, seconds_as_text=fmt == "csv", limit=most)
    if found > most:
        cut = _("Only the newest %(max)s entries are here: narrow the period to export the others.")
        rows = itertools.chain(rows, [[cut % {"max": number_format(most, force_grouping=True)}]])
    filename = spreadsheets.export_filename(pgettext("file name", "audit-log"), ext=fmt)
    header = audit_log.export_header()
    if fmt == "csv":
        return spreadsheets.csv_response(filename, header, rows)
    return spreadsheets.xlsx_response(filename, header, rows, sheet=_("Audit log"))


# --- API tokens for the integrations ---------------------------------------------------


def _require_token_rights(request):
    # Administrators and HR make tokens; anybody else learns nothing of them.
    if not (request.user.is_staff or is_hr(request.user)):
        raise Http404


def _token_state(token, now) -> str:
    """live, expired or revoked: the list's words for them are in its template."""
    if token.revoked_at is not None:
        return "revoked"
    return "live" if token.expires_at > now else "expired"


def token_list(request):
    """The tokens this person answers for, newest first, with what each may do and see."""
    _require_token_rights(request)
    tokens = list(api_tokens_visible_to(request.user).select_related("created_by").prefetch_related("units"))
    now = timezone.now()
    for token in tokens:
        token.state = _token_state(token, now)
    return render(request, "people/token_list.html", {"tokens": tokens})


TOKEN_FORMS_USED = "api_token_forms_used"


@sensitive_variables("raw")
def token_create(request):
    """The form, and once a token is made, the token itself: in this answer only.

    Only its digest is kept, so the page that shows it is rendered from the POST, never
    reached by a redirect, a message or the session, where the token would be kept.
    """
    _require_token_rights(request)
    form = ApiTokenForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        # The keys of the forms that made a token in this session (the last few): the same
        # form sent again makes none, and the list says where the first one is.
        used = request.session.get(TOKEN_FORMS_USED, [])
        key = data.get("request_key") or ""
        if key and key in used:
            messages.info(
                request,
                _(
                    "This form was sent already and its token was made then: it is in the list. "
                    "If it was not copied, revoke it and make a new one."
                ),
            )
            return redirect("people:token_list")
        try:
            token, raw = api_token_create(
                by=request.user,
                name=data["name"],
                scopes=data["scopes"],
                expires_on=data["expires_on"],
                whole_organisation=data.get("whole_organisation", False),
                units=list(data["units"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if key:
                request.session[TOKEN_FORMS_USED] = [*used, key][-20:]
            context = {
                "token": token,
                "raw": raw,
                "scopes": [(ApiScope(scope).label, scope) for scope in token.scopes],
                "units": list(token.units.all()),
                "docs_url": site_url(reverse("api:openapi-view")),
                # The base the identity provider is given: where its Users live, without them.
                "scim_url": site_url(reverse("scim_users").removesuffix("Users")),
            }
            return render(request, "people/token_made.html", context)
    return render(request, "people/token_form.html", {"form": form})


@require_POST
def token_revoke(request, pk):
    _require_token_rights(request)
    token = get_object_or_404(api_tokens_visible_to(request.user), pk=pk)
    already = token.revoked_at is not None
    api_token_revoke(token=token, by=request.user)
    if already:
        messages.info(request, _("The token for %(name)s was already revoked.") % {"name": token.name})
    else:
        messages.success(
            request,
            _("The token for %(name)s was revoked: its next call is refused.") % {"name": token.name},
        )
    return redirect("people:token_list")


# --- welcome emails --------------------------------------------------------------------


def _welcome_context(people, *, again: bool = False) -> dict:
    """How many of these people have never signed in, and a key for the form that invites
    them (the same request sent twice sends once)."""
    if not welcome_offered():
        return {"never_signed_in": 0}
    return {"never_signed_in": welcome_due(people, again=again).count(), "welcome_key": uuid.uuid4().hex}


def _welcome(request, people, *, back: str, again: bool = False):
    """Send the welcome email to those of these people who are due one."""
    if not welcome_offered():
        raise Http404
    key = request.POST.get("request_key", "")
    if not key or len(key) > 64:
        messages.error(request, _("This page is out of date: reload it and send again."))
        return redirect(back)
    result = welcome_send(people=people, by=request.user, request_key=key, again=again)
    if result.sent:
        messages.success(
            request,
            ngettext(
                "A welcome email went to %(count)d person: a link to choose a password, valid for a few days.",
                "Welcome emails went to %(count)d people: a link to choose a password, valid for a few days.",
                result.sent,
            )
            % {"count": result.sent},
        )
    else:
        messages.info(request, _("Nobody to welcome: they have signed in before, or were just sent one."))
    if result.left:
        messages.warning(
            request,
            ngettext(
                "%(count)d more person is still to be welcomed: send again for the next part.",
                "%(count)d more people are still to be welcomed: send again for the next part.",
                result.left,
            )
            % {"count": result.left},
        )
    return redirect(back)


@require_POST
def welcome_person(request, pk):
    _require_hr(request)
    person = get_object_or_404(people_visible_to_hr(request.user), pk=pk)
    return _welcome(
        request, User.objects.filter(pk=person.pk), back=reverse("people:person_detail", args=[pk])
    )


@require_POST
def welcome_unit(request, pk):
    """Everyone in the unit and its sub-units who has never signed in."""
    _require_hr(request)
    unit = get_object_or_404(units_visible_to_hr(request.user), pk=pk)
    people = people_visible_to_hr(request.user).filter(unit__in=unit.subtree())
    return _welcome(request, people, back=reverse("people:unit_detail", args=[pk]))


@require_POST
def welcome_everyone(request):
    """Everyone HR sees who has never signed in (after an import: the new people)."""
    _require_hr(request)
    back = safe_next(request, request.POST.get("back", ""), reverse("people:unit_list"))
    return _welcome(request, people_visible_to_hr(request.user), back=back)
