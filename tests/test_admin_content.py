"""The admin holds no content: it shows, searches, sorts and filters metadata only, refuses a
lookup on anything people wrote, and cannot make anybody a party to a talk.

Tried as the attacker in issue 17 did: `?development__regex=^My` answered "1 prep form" or
"0 prep forms", and so recovered a draft letter by letter.
"""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils import timezone

from goals.models import AgreedAction
from interviews.models import Interview, InterviewRecord, PrepForm
from people.admin import MetadataAdmin, content_fields_of
from people.models import ReminderDelivery, ReportingLine
from tests.test_leaks import READERS, seeded  # noqa: F401,F811 - the fixture

OUR_APPS = {"people", "interviews", "goals"}
OURS = [
    pytest.param(model, model_admin, id=model._meta.label)
    for model, model_admin in admin.site._registry.items()
    if model._meta.app_label in OUR_APPS
]
WITH_CONTENT = [param for param in OURS if content_fields_of(param.values[0])]

# Long texts that are not what anybody wrote for a talk: the organisation's own files, goals
# and guidelines, and the log's own words. Every other text field must be declared content on
# its model (content_fields), so that a new field is a decision, not an accident.
NOT_CONTENT = {
    "people.OrgImport.units_text",
    "people.OrgImport.people_text",
    "people.OrgImport.report",
    "people.ReminderDelivery.last_error",
    "interviews.LocalGuideline.text",
    "interviews.LocalGuideline.extra_prompts",
    "goals.UnitGoal.description",
    # The names of what an API token may do (org:read, scim, ...).
    "people.ApiToken.scopes",
}
LOOKUPS = ("regex", "contains", "startswith", "icontains", "exact")


def test_every_admin_of_ours_is_a_metadata_admin():
    assert OURS and all(isinstance(param.values[1], MetadataAdmin) for param in OURS)


def test_every_long_text_is_declared_content_or_known_not_to_be():
    undeclared = [
        f"{model._meta.label}.{field.name}"
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, (models.TextField, models.JSONField))
        and field.name not in content_fields_of(model)
        and f"{model._meta.label}.{field.name}" not in NOT_CONTENT
    ]
    assert not undeclared, f"declare these as content_fields or add them to NOT_CONTENT: {undeclared}"


def _content_paths(model, depth=2, prefix=""):
    """Every lookup path from this model to a content field, its own and its relations' (two steps)."""
    for name in content_fields_of(model):
        yield prefix + name
    if depth == 0:
        return
    for field in model._meta.get_fields(include_hidden=False):
        related = getattr(field, "related_model", None)
        if not field.is_relation or related is None or related._meta.app_label not in OUR_APPS:
            continue
        # A reverse relation is looked up by its query name (interview -> prep_forms__...).
        query_name = (
            field.field.related_query_name() if isinstance(field, models.ForeignObjectRel) else field.name
        )
        yield from _content_paths(related, depth - 1, f"{prefix}{query_name}__")


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize(("model", "model_admin"), OURS)
def test_no_change_list_answers_a_lookup_on_content(client, seeded, model, model_admin):  # noqa: F811
    client.force_login(seeded.admin)
    url = _changelist(model)
    tried = 0
    for path in sorted(set(_content_paths(model))):
        for lookup in LOOKUPS:
            # Refused before anything is read, whatever is asked: so nothing in the answer can
            # depend on what was written (one pattern that matches the seeded texts, and for the
            # first lookup also one that matches nothing, alike).
            probes = ["^SEEDED", "^NOTHING-LIKE-IT"] if lookup == LOOKUPS[0] else ["SEEDED"]
            for probe in probes:
                response = client.get(url, {f"{path}__{lookup}": probe})
                assert response.status_code == 400, (url, path, lookup)
            tried += 1
    assert tried or model not in {PrepForm, InterviewRecord, AgreedAction, ReminderDelivery, Interview}


@pytest.mark.parametrize(("model", "model_admin"), OURS)
def test_a_search_finds_nothing_by_what_was_written(client, seeded, model, model_admin):  # noqa: F811
    client.force_login(seeded.admin)
    url = _changelist(model)
    for secret in READERS:
        found = client.get(url, {"q": secret})
        none = client.get(url, {"q": "NOTHING-LIKE-IT"})
        assert found.status_code == none.status_code == 200
        # The same rows as a search for nothing (none, where the list searches at all).
        assert found.context["cl"].result_count == none.context["cl"].result_count, (url, secret)
        if admin.site._registry[model].search_fields:
            assert found.context["cl"].result_count == 0, (url, secret)


def _pair(model, org):
    """Two objects of a model whose texts sort apart ("AAA..." and "ZZZ...")."""
    from tests.factories import InterviewFactory

    made = []
    for text in ("AAA-FIRST", "ZZZ-LAST"):
        interview = InterviewFactory(
            cycle=org.cycle,
            employee=InterviewFactory._meta.model.employee.field.related_model.objects.create(
                email=f"{text.lower()}-{model._meta.model_name}@example.org",
                unit=org.unit_a,
                employee_number=text,
            ),
            partner=org.manager,
            state="scheduled",
            starts_at=timezone.now() + datetime.timedelta(days=30),
            duration_minutes=60,
            note=text,
            reason=text,
        )
        if model is Interview:
            made.append(interview)
        elif model is PrepForm:
            made.append(
                PrepForm.objects.create(
                    interview=interview, role="employee", author=interview.employee, plans=text
                )
            )
        elif model is InterviewRecord:
            made.append(InterviewRecord.objects.create(interview=interview, conclusions=text, plans=text))
        elif model is AgreedAction:
            made.append(
                AgreedAction.objects.create(
                    source_model="interviews.InterviewRecord",
                    source_id=0,
                    employee=interview.employee,
                    partner=org.manager,
                    owner_kind="employee",
                    owner=interview.employee,
                    what=text,
                    standard=text,
                    due_on=datetime.date(2027, 1, 1),
                )
            )
        else:
            made.append(
                ReminderDelivery.objects.create(
                    kind="action",
                    about=f"x:{text}",
                    occasion="due",
                    recipient=org.manager,
                    subject=text,
                    body=text,
                )
            )
    return made


@pytest.mark.parametrize(
    "model",
    [PrepForm, InterviewRecord, AgreedAction, ReminderDelivery, Interview],
    ids=lambda m: m._meta.label,
)
def test_no_column_sorts_by_what_was_written(client, seeded, model):  # noqa: F811
    """Swap the texts of two objects: every sortable column lists everything in the same order."""
    client.force_login(seeded.admin)
    url = _changelist(model)
    first, second = _pair(model, seeded)
    columns = range(1, len(admin.site._registry[model].list_display) + 1)

    def orders():
        return {
            f"{sign}{i}": [row.pk for row in client.get(url, {"o": f"{sign}{i}"}).context["cl"].result_list]
            for i in columns
            for sign in ("", "-")
        }

    before = orders()
    fields = content_fields_of(model) - {"content"}
    a = {f: getattr(first, f) for f in fields}
    b = {f: getattr(second, f) for f in fields}
    model.objects.filter(pk=first.pk).update(**b)
    model.objects.filter(pk=second.pk).update(**a)
    assert orders() == before


def test_the_admin_refuses_an_admin_that_names_content():
    class Careless(MetadataAdmin):
        list_display = ["pk", "what"]
        search_fields = ["standard"]
        list_filter = ["employee__interviews__note"]

    errors = Careless(AgreedAction, admin.site).check()
    flagged = sorted(e.msg for e in errors if e.id == "people.E001")
    assert flagged == [
        "list_display names 'what', which holds what people wrote.",
        "list_filter names 'employee__interviews__note', which holds what people wrote.",
        "search_fields names 'standard', which holds what people wrote.",
    ]


def test_metadata_filters_still_work_for_administrators(client, seeded):  # noqa: F811
    client.force_login(seeded.admin)
    response = client.get(_changelist(PrepForm), {"state__exact": "shared"})
    assert response.status_code == 200 and response.context["cl"].result_count == 1
    failed = client.get(reverse("admin:people_reminderdelivery_changelist"), {"status__exact": "failed"})
    assert failed.status_code == 200
    audit = client.get(reverse("admin:people_auditentry_changelist"), {"at__year": timezone.now().year})
    assert audit.status_code == 200


@pytest.mark.parametrize(
    "model", [Interview, PrepForm, InterviewRecord, AgreedAction, ReportingLine], ids=lambda m: m._meta.label
)
def test_nobody_is_made_a_party_or_changes_a_text_in_the_admin(client, seeded, model):  # noqa: F811
    client.force_login(seeded.admin)
    obj = model.objects.order_by("pk").first()
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    page = client.get(reverse(f"{name}_change", args=[obj.pk]))
    assert page.status_code == 200
    assert 'name="partner"' not in page.content.decode() and 'name="employee"' not in page.content.decode()
    # A forged POST is refused as well.
    fields = {"partner": seeded.admin.pk, "employee": seeded.admin.pk, "what": "x", "note": "x"}
    assert client.post(reverse(f"{name}_change", args=[obj.pk]), fields).status_code == 403
    assert client.post(reverse(f"{name}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
    if hasattr(obj, "partner_id"):
        assert model.objects.get(pk=obj.pk).partner_id != seeded.admin.pk


def test_the_admin_changes_a_partner_through_the_same_service_as_hr(
    client,
    seeded,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """The admin's "add reporting line" moves the open interview and its rules with it."""
    client.force_login(seeded.admin)
    add = reverse("admin:people_reportingline_add")
    assert "Change a person&#x27;s interview partner" in client.get(add).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            add,
            {"employee": seeded.employee.email, "partner": seeded.director.email, "kind": "head_of_unit"},
        )
    assert response.status_code == 302
    interview = Interview.objects.get(pk=seeded.interview.pk)
    assert interview.partner == seeded.director
    # The old partner's draft went; the employee's shared form is private again; the new
    # partner reads none of it.
    assert list(PrepForm.objects.filter(interview=interview).values_list("role", "state")) == [
        ("employee", "draft")
    ]
    client.force_login(seeded.director)
    page = client.get(reverse("interviews:interview_detail", args=[interview.pk])).content.decode()
    for secret in READERS:
        assert secret not in page
    client.force_login(seeded.admin)
    # A refused change (a cycle of partners) says why and changes nothing.
    lines = ReportingLine.objects.count()
    refused = client.post(
        add, {"employee": seeded.director.email, "partner": seeded.manager.email, "kind": "head_of_unit"}
    )
    assert refused.status_code == 200 and "already holds their interview" in refused.content.decode()
    assert ReportingLine.objects.count() == lines


def test_setting_somebodys_password_is_audited_and_they_are_told(
    client,
    seeded,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    from people.models import AuditEntry

    client.force_login(seeded.admin)
    mail.outbox.clear()
    url = reverse("admin:auth_user_password_change", args=[seeded.employee.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"password1": "An0ther-passw0rd!", "password2": "An0ther-passw0rd!", "usable_password": "true"},
        )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="password_set_by_administrator")
    assert (entry.actor, entry.object_id) == (seeded.admin, str(seeded.employee.pk))
    assert [m.to for m in mail.outbox] == [[seeded.employee.email]]


def test_every_change_list_opens_and_shows_no_seeded_text(client, seeded):  # noqa: F811
    client.force_login(seeded.admin)
    for param in OURS:
        model = param.values[0]
        body = client.get(_changelist(model)).content.decode()
        for secret in READERS:
            assert secret not in body, (model, secret)


def test_a_launched_cycle_keeps_who_reads_its_summaries(client, seeded):  # noqa: F811
    """Whether HR reads a cycle's signed summaries was decided for the talks held under it."""
    from interviews.models import Cycle
    from people.models import AuditEntry

    client.force_login(seeded.admin)
    url = reverse("admin:interviews_cycle_change", args=[seeded.cycle.pk])
    page = client.get(url).content.decode()
    assert 'name="archive_for_hr"' not in page and 'name="state"' not in page
    fields = {
        "name": "Renamed by the administrator",
        "opens_on": "2026-01-01",
        "closes_on": "2026-12-31",
        "frequency": "yearly",
        "min_notice_days": 14,
        "min_length_minutes": 60,
        "prep_reminder_days": 7,
        "archive_for_hr": "on",
        "state": "draft",
    }
    assert client.post(url, fields).status_code == 302
    cycle = Cycle.objects.get(pk=seeded.cycle.pk)
    assert (cycle.name, cycle.archive_for_hr, cycle.state) == ("Renamed by the administrator", False, "open")
    assert AuditEntry.objects.filter(
        action="cycle_changed_by_administrator", object_id=str(cycle.pk)
    ).exists()


def test_an_administrator_cannot_make_themselves_a_partner(client, seeded):  # noqa: F811
    client.force_login(seeded.admin)
    response = client.post(
        reverse("admin:people_reportingline_add"),
        {"employee": seeded.employee.email, "partner": seeded.admin.email, "kind": "professional_leader"},
    )
    assert response.status_code == 200 and "ask HR" in response.content.decode()
    assert Interview.objects.get(pk=seeded.interview.pk).partner == seeded.manager


def test_a_changed_address_is_told_at_the_old_one(client, seeded, django_capture_on_commit_callbacks):  # noqa: F811
    from django.core import mail

    from people.models import AuditEntry

    client.force_login(seeded.admin)
    url = reverse("admin:people_user_change", args=[seeded.employee.pk])
    joined = timezone.localtime(seeded.employee.date_joined)
    data = {
        "email": "someone.else@example.org",
        "employee_number": seeded.employee.employee_number,
        "given_name": "Eva",
        "family_name": "Employee",
        "job_kind": "academic",
        "unit": seeded.unit_a.pk,
        "language": "en",
        "is_active": "on",
        "date_joined_0": joined.date().isoformat(),
        "date_joined_1": joined.time().strftime("%H:%M:%S"),
    }
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else None
    )
    assert [m.to for m in mail.outbox] == [["employee@example.org"]]
    assert "someone.else@example.org" in mail.outbox[0].body
    assert AuditEntry.objects.filter(action="user_access_changed", detail__contains="email").exists()


def test_a_unit_cannot_be_put_below_itself(client, seeded):  # noqa: F811
    client.force_login(seeded.admin)
    url = reverse("admin:people_orgunit_change", args=[seeded.root.pk])
    response = client.post(
        url, {"code": "ROOT", "name": "University", "parent": seeded.unit_a.pk, "head": ""}
    )
    assert response.status_code == 200 and "cannot lie below itself" in response.content.decode()
    seeded.root.refresh_from_db()
    assert seeded.root.parent_id is None


@pytest.mark.parametrize("query", ["9999", "0", "99999", "-1", "x"], ids=lambda q: f"year-{q}")
def test_date_hierarchy_values_past_the_calendar_are_refused(client, seeded, query):  # noqa: F811
    client.force_login(seeded.admin)
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in OUR_APPS and model_admin.date_hierarchy:
            response = client.get(_changelist(model), {f"{model_admin.date_hierarchy}__year": query})
            assert response.status_code in (200, 302, 400), model
    goals = reverse("admin:goals_unitgoal_changelist")
    assert client.get(goals, {"period_start__year": "0"}).status_code == 400
    audit = reverse("admin:people_auditentry_changelist")
    assert client.get(audit, {"at__year": "2026", "at__month": "13"}).status_code == 400
