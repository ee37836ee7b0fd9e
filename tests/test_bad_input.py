"""Random and hostile input to every form: never a 500, and a refusal changes nothing.

Property-based (hypothesis): each example posts a mix of huge text, control characters,
impossible dates, other people's ids, HTML and script to one state-changing URL as the
person allowed to use it, inside a savepoint that is rolled back afterwards.
"""

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from goals.models import ActionProgressNote, AgreedAction, UnitGoal
from interviews.models import Cycle, Interview, InterviewRecord, LocalGuideline, PrepForm, RecordGoal
from interviews.sections import SECTION_KEYS
from people.models import OrgImport, ReportingLine, User
from tests.test_access import MATRIX, add_cycles, signed

FIELDS = [
    *SECTION_KEYS,
    "conclusions",
    "name",
    "units",
    "opens_on",
    "closes_on",
    "frequency",
    "min_notice_days",
    "min_length_minutes",
    "prep_reminder_days",
    "archive_for_hr",
    "version",
    "date",
    "time",
    "starts_at",
    "duration_minutes",
    "place",
    "note",
    "reason",
    "partner",
    "kind",
    "based_on",
    "title",
    "description",
    "period_start",
    "period_end",
    "text",
    "extra_prompts",
    "status",
    "owner_kind",
    "what",
    "due_on",
    "standard",
    "other",
    "deadline",
    "unit_goal",
    "password",
    "comment",
    "confirm_unfinished",
    "remind_prep",
    "language",
    "content_hash",
    "expected_summary",
    "share",
    "employee",
    "q",
]

# Free-text fields, for examples where everything else is plausible and the text is not.
TEXT_FIELDS = [
    *SECTION_KEYS,
    "conclusions",
    "name",
    "place",
    "note",
    "reason",
    "title",
    "description",
    "text",
    "extra_prompts",
    "what",
    "standard",
    "comment",
    "partner",
]

HOSTILE = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "\x1b[31m\r\n\t",
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "'; DROP TABLE people_user; --",
            "x" * 100_000,
            "2026-02-30",
            "9999-99-99",
            "0001-01-01",
            "31/12/2026",
            "25:61",
            "-1",
            "0",
            "99999999999999999999",
            "1e309",
            "NaN",
            "on",
            "1",
            "2",
            "999999",
        ]
    ),
)

# Views that save and answer 200 (an htmx fragment, a settings page) rather than redirect.
SAVES_ON_200 = {"notifications", "interviews:prep_save"}

POSTS = [
    pytest.param(name, kwargs, role, id=f"{name}-{i}")
    for i, (name, kwargs, method, expected, _default) in enumerate(MATRIX)
    if method == "post" and name not in {"logout", "language_set"}
    for role in [next((r for r, code in expected.items() if code < 400 and r != "anonymous"), None)]
    if role is not None
]


def fingerprint():
    """What a refused request must leave as it was."""
    return (
        list(Cycle.objects.order_by("pk").values_list("pk", "version", "state")),
        list(
            Interview.objects.order_by("pk").values_list("pk", "version", "state", "partner_id", "starts_at")
        ),
        list(PrepForm.objects.order_by("pk").values_list("pk", "version", "state")),
        list(InterviewRecord.objects.order_by("pk").values_list("pk", "edit_version", "manager_signed_at")),
        list(AgreedAction.objects.order_by("pk").values_list("pk", "status", "what")),
        ActionProgressNote.objects.count(),
        RecordGoal.objects.count(),
        list(ReportingLine.objects.order_by("pk").values_list("pk", "partner_id", "valid_to")),
        list(UnitGoal.objects.order_by("pk").values_list("pk", "title", "period_end")),
        list(LocalGuideline.objects.order_by("pk").values_list("pk", "version")),
        list(User.objects.order_by("pk").values_list("pk", "remind_prep", "remind_actions", "language")),
        OrgImport.objects.count(),
    )


@pytest.mark.parametrize(("name", "kwargs", "role"), POSTS)
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.dictionaries(st.sampled_from(FIELDS), HOSTILE, max_size=8), htmx=st.booleans())
# The worst of each kind in every field at once, always tried, with and without htmx.
@example(data=dict.fromkeys(FIELDS, "a\x00b"), htmx=False)
@example(data=dict.fromkeys(FIELDS, "a\x00b"), htmx=True)
@example(data=dict.fromkeys(FIELDS, "x" * 100_000), htmx=True)
@example(data=dict.fromkeys(FIELDS, "<script>alert(1)</script>"), htmx=False)
@example(data=dict.fromkeys(FIELDS, "99999999999999999999"), htmx=False)
@example(data=dict.fromkeys(FIELDS, "2026-02-30"), htmx=False)
# The ends of the calendar, where a meeting's end cannot be computed.
@example(data={"date": "0001-01-01", "time": "00:30", "duration_minutes": "60", "version": "1"}, htmx=False)
@example(data={"date": "9999-12-31", "time": "23:00", "duration_minutes": "480", "version": "1"}, htmx=False)
@example(data={"opens_on": "0001-01-01", "closes_on": "9999-12-31", "name": "x", "units": "1"}, htmx=False)
@example(data=dict.fromkeys(FIELDS, "\x1b\r\n\t"), htmx=True)
@example(data={**dict.fromkeys(TEXT_FIELDS, "a\x00b"), "version": "0"}, htmx=True)
@example(data={**dict.fromkeys(TEXT_FIELDS, "a\x00b"), "version": "1"}, htmx=False)
@example(data={**dict.fromkeys(TEXT_FIELDS, "x" * 100_000), "version": "1"}, htmx=False)
def test_hostile_input_never_breaks_a_page_or_half_saves(client, org, name, kwargs, role, data, htmx):
    if not hasattr(org, "cycle"):
        add_cycles(org)
        signed(org)
        org.org_import = OrgImport.objects.create(
            created_by=org.hr, units_text="code,name,parent_code\n", units_filename="units.csv", report={}
        )
    client.force_login(getattr(org, role))
    url = reverse(name, kwargs=kwargs(org) if kwargs else None)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with transaction.atomic():
        before = fingerprint()
        response = client.post(url, data, **headers)
        assert response.status_code < 500, (url, data)
        refused = response.status_code >= 400 or (
            response.status_code == 200 and name not in SAVES_ON_200 and not response.get("HX-Redirect")
        )
        if refused:
            assert fingerprint() == before, (url, data)
        transaction.set_rollback(True)
