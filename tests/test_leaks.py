"""Nothing anybody wrote reaches somebody it is not for: every page of the access matrix,
for every role (the administrator included), every page of the admin, and everything that
goes out (emails, reminder rows, notifications, calendar files) is searched for seeded text,
before and after a change of interview partner.
"""

import datetime
import io
import zipfile

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from goals.models import AgreedAction
from interviews.models import Interview, InterviewRecord, PrepForm
from interviews.records import RECORD_LABEL, record_save, record_sign
from interviews.sections import SECTION_KEYS
from people.models import Notification, OrgImport, ReminderDelivery
from people.spreadsheets import XLSX_TYPE
from tests.conftest import PASSWORD
from tests.test_access import MATRIX, ROLES, add_cycles

# Each secret and the roles that may read it (see the org fixture in conftest.py).
EMPLOYEE_PREP = "SEEDED-EMPLOYEE-PREP"
LEADERSHIP = "SEEDED-LEADERSHIP-FEEDBACK"
MANAGER_DRAFT = "SEEDED-MANAGER-DRAFT"
RECORD = "SEEDED-RECORD-TEXT"
ACTION = "SEEDED-ACTION-TEXT"
NOTE = "SEEDED-MEETING-NOTE"
READERS = {
    # The employee's shared form: the employee and the manager it is shared with. The
    # leadership section is feedback about that manager: the same two, nobody above.
    EMPLOYEE_PREP: {"employee", "manager"},
    LEADERSHIP: {"employee", "manager"},
    # A draft: its author only.
    MANAGER_DRAFT: {"manager"},
    # The other employee's signed record and its action: the two parties.
    RECORD: {"other_employee", "manager"},
    ACTION: {"other_employee", "manager"},
    # The note the manager wrote for the other employee's invitation: the two of them.
    NOTE: {"other_employee", "manager"},
}


# A signed summary as the leak tests need it: a file that only the parties may fetch. Its
# text is checked where it is made (tests/interviews/test_records.py, with pdftotext);
# rendering it with WeasyPrint for each of these tests cost the suite a minute.
STUB_PDF = b"%PDF-1.4\n% a stand-in for the summary\n%%EOF\n"


@pytest.fixture
def seeded(org, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr("interviews.pdf.render_summary_pdf", lambda record: STUB_PDF)
    add_cycles(org)
    org.org_import = OrgImport.objects.create(
        created_by=org.hr, units_text="code,name,parent_code\n", units_filename="units.csv", report={}
    )
    values = {key: f"{EMPLOYEE_PREP} {key}" for key in SECTION_KEYS}
    values["leadership"] = LEADERSHIP
    PrepForm.objects.create(interview=org.interview, role="employee", author=org.employee, **values)
    PrepForm.objects.create(
        interview=org.interview,
        role="manager",
        author=org.manager,
        **{key: f"{MANAGER_DRAFT} {key}" for key in SECTION_KEYS},
    )
    with django_capture_on_commit_callbacks(execute=True):
        from interviews.services import prep_share

        prep_share(interview=org.interview, author=org.employee)
        from interviews.invitations import invitations_send_on_commit

        Interview.objects.filter(pk=org.scheduled.pk).update(note=NOTE, place="Room 101")
        org.scheduled.refresh_from_db()
        invitations_send_on_commit(org.scheduled, kind="scheduled")
        Interview.objects.filter(pk=org.scheduled.pk).update(state="held")
        org.scheduled.refresh_from_db()
        record_save(
            interview=org.scheduled,
            by=org.manager,
            values={key: f"{RECORD} {key}" for key in (*SECTION_KEYS, "conclusions")},
            expected_version=0,
        )
        record = InterviewRecord.objects.get(interview=org.scheduled)
        AgreedAction.objects.create(
            source_model=RECORD_LABEL,
            source_id=record.pk,
            employee=org.other_employee,
            partner=org.manager,
            owner_kind="employee",
            owner=org.other_employee,
            what=ACTION,
            due_on=timezone.localdate() - datetime.timedelta(days=3),
            standard=ACTION,
        )
        record_sign(interview=org.scheduled, by=org.manager, password=PASSWORD)
        record_sign(interview=org.scheduled, by=org.other_employee, password=PASSWORD, comment=RECORD)
        from interviews.tasks import reminders_sweep

        reminders_sweep()
    return org


GET_PAGES = [
    pytest.param(name, kwargs, id=f"{name}-{i}")
    for i, (name, kwargs, method, _expected, _default) in enumerate(MATRIX)
    if method == "get"
]


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type") == XLSX_TYPE:
        # A workbook is a zip of XML: search what it unpacks to, every part of it.
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(name).decode(errors="replace") for name in archive.namelist())
    return content.decode(errors="replace")


def _crawl(client, org, urls, readers):
    for role in ROLES[1:]:
        client.force_login(getattr(org, role))
        for url in urls:
            body = _body(client.get(url))
            for secret, allowed in readers.items():
                if role not in allowed:
                    assert secret not in body, f"{role} sees {secret} at {url}"


def test_no_page_shows_text_to_people_signed_in_at_the_identity_provider(client, seeded, oidc):
    """The same crawl, each role signed in through the OpenID Connect provider."""
    from tests.sso_servers import oidc_sign_in

    urls = [
        reverse(name, kwargs=kwargs(seeded) if kwargs else None)
        for name, kwargs in (p.values for p in GET_PAGES)
    ]
    for role in ROLES[1:]:
        client.post(reverse("logout"))
        assert oidc_sign_in(client, oidc, getattr(seeded, role).email).status_code == 302
        for url in urls:
            body = _body(client.get(url))
            for secret, allowed in READERS.items():
                if role not in allowed:
                    assert secret not in body, f"{role} (SSO) sees {secret} at {url}"


@pytest.mark.parametrize(("name", "kwargs"), GET_PAGES)
def test_no_page_shows_text_to_someone_it_is_not_for(client, seeded, name, kwargs):
    _crawl(client, seeded, [reverse(name, kwargs=kwargs(seeded) if kwargs else None)], READERS)


def test_the_leadership_feedback_reaches_the_manager_it_is_about(client, seeded):
    url = reverse("interviews:interview_detail", args=[seeded.interview.pk])
    client.force_login(seeded.manager)
    page = client.get(url).content.decode()
    assert LEADERSHIP in page and MANAGER_DRAFT in page  # their own draft too
    client.force_login(seeded.director)  # the manager's manager: not a party
    assert client.get(url).status_code == 404
    client.force_login(seeded.hr)
    status_only = client.get(url)
    assert status_only.status_code == 200 and LEADERSHIP not in status_only.content.decode()


def _sent(message) -> str:
    parts = [message.subject, message.body]
    parts += [content for content, _type in getattr(message, "alternatives", [])]
    for attachment in message.attachments:
        payload = attachment.get_payload(decode=True) if hasattr(attachment, "get_payload") else attachment[1]
        parts.append(payload.decode(errors="replace") if isinstance(payload, bytes) else str(payload))
    return "\n".join(parts)


def test_what_goes_out_carries_no_content(client, seeded):
    """Emails, the reminder rows kept for them, the bell and the calendar files say what needs
    doing and link to it; the note written for the invitation goes to its two parties only."""
    assert mail.outbox, "sharing, booking and the sweep send email"
    parties = {seeded.other_employee.email, seeded.manager.email}
    for message in mail.outbox:
        text = _sent(message)
        for secret in (EMPLOYEE_PREP, LEADERSHIP, MANAGER_DRAFT, RECORD, ACTION):
            assert secret not in text, (message.subject, secret)
        if NOTE in text:
            assert set(message.to) <= parties
    assert any(NOTE in _sent(m) for m in mail.outbox), "the invitation carries its note"
    # The hand-offs were among them: the prep shared, the manager's signature waiting for the
    # employee's, the employee's signature (with a comment) told to the manager.
    subjects = [m.subject for m in mail.outbox]
    assert any("has shared their preparation" in s for s in subjects)
    assert any(s.startswith("Your signature is waiting") for s in subjects)
    assert any(s.endswith("has signed the record of your interview, with a comment") for s in subjects)
    rows = [f"{d.subject} {d.body} {d.url}" for d in ReminderDelivery.objects.all()]
    rows += [f"{n.subject} {n.url}" for n in Notification.objects.all()]
    for row in rows:
        for secret in READERS:
            assert secret not in row, row
    # The owner is reminded that an action is due and led to it, not told what it is.
    owner = ReminderDelivery.objects.get(kind="action", recipient=seeded.other_employee)
    assert owner.subject.startswith("An agreed action is overdue since") and owner.url.startswith(
        reverse("goals:my_actions") + "#action-"
    )
    for party in (seeded.other_employee, seeded.manager):
        client.force_login(party)
        # The talk is held and signed: its calendar file is no longer offered; the
        # invitation each party got by email is what their calendar holds.
        url = reverse("interviews:interview_calendar", args=[seeded.scheduled.pk])
        assert client.get(url).status_code == 404
        (invitation,) = [m for m in mail.outbox if m.to == [party.email] and m.attachments]
        calendar = invitation.attachments[0].get_payload(decode=True).decode()
        assert "CLASS:PRIVATE" in calendar and NOTE in calendar
        assert f"/interviews/{seeded.scheduled.pk}/" in calendar.replace("\r\n ", "")
        for secret in (EMPLOYEE_PREP, LEADERSHIP, MANAGER_DRAFT, RECORD, ACTION):
            assert secret not in calendar


def _admin_urls(org):
    """Every page of the admin an administrator can open over the seeded data."""
    from django.contrib import admin

    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse("admin:app_list", args=[model._meta.app_label]))
        urls.append(reverse(f"{info}_changelist"))
        # A search that every secret would match (the page echoes the words searched for).
        urls.append(reverse(f"{info}_changelist") + "?q=SEEDED")
        for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:25]:
            urls += [reverse(f"{info}_change", args=[pk]), reverse(f"{info}_history", args=[pk])]
            urls.append(reverse(f"{info}_delete", args=[pk]))
    return sorted(set(urls))


def test_the_administrator_reads_no_content_anywhere_in_the_admin(client, seeded):
    client.force_login(seeded.admin)
    urls = _admin_urls(seeded)
    assert len(urls) > 100
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302, 403), url
        body = _body(response)
        for secret in READERS:
            assert secret not in body, f"the administrator sees {secret} at {url}"


@pytest.fixture
def partners_changed(seeded, django_capture_on_commit_callbacks):
    """Both employees of department A now hold their interviews with the other manager, who
    holds this year's talk with the other employee; the employee's open interview moved."""
    from people.services import reporting_line_change
    from tests.factories import CycleFactory, InterviewFactory

    with django_capture_on_commit_callbacks(execute=True):
        for person in (seeded.employee, seeded.other_employee):
            reporting_line_change(employee=person, partner=seeded.other_manager, kind="immediate_superior")
    seeded.next_talk = InterviewFactory(
        cycle=CycleFactory(
            name="Next",
            units=[seeded.root],
            opens_on=datetime.date(2027, 1, 1),
            closes_on=datetime.date(2027, 12, 31),
        ),
        employee=seeded.other_employee,
        partner=seeded.other_manager,
    )
    return seeded


def test_after_a_change_of_partner_nobody_new_reads_an_earlier_talk(
    client, partners_changed, django_capture_on_commit_callbacks
):
    org = partners_changed
    assert Interview.objects.get(pk=org.interview.pk).partner == org.other_manager
    urls = [
        reverse(name, kwargs=kwargs(org) if kwargs else None)
        for _p in GET_PAGES
        for name, kwargs in [_p.values]
    ]
    for talk in (org.interview, org.next_talk, org.scheduled):
        urls += [
            reverse("interviews:interview_detail", args=[talk.pk]),
            reverse("interviews:record", args=[talk.pk]),
        ]
    # The employee's form is private again (its leadership section was about the manager),
    # the manager's draft is gone, and the signed talk stays with the two who had it.
    readers = {
        EMPLOYEE_PREP: {"employee"},
        LEADERSHIP: {"employee"},
        MANAGER_DRAFT: set(),
        RECORD: {"other_employee", "manager"},
        ACTION: {"other_employee", "manager"},
        NOTE: {"other_employee", "manager"},
    }
    _crawl(client, org, sorted(set(urls)), readers)
    # The new partner changes nothing of it either.
    action = AgreedAction.objects.get(what=ACTION)
    client.force_login(org.other_manager)
    assert (
        client.post(reverse("goals:action_update", args=[action.pk]), {"status": "dropped"}).status_code
        == 404
    )
    # Once the other employee shows it to them, the new partner reads it on the next talk.
    client.force_login(org.other_employee)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("interviews:history_share", args=[org.next_talk.pk]), {"share": "1"})
    # What the change of partner and the showing sent (the employee whose open interview moved
    # told who holds it now; the new partner told what they may read) carries none of it.
    told = [m for m in mail.outbox if "partner is now" in m.subject or "has shown you" in m.subject]
    assert sorted(m.to[0] for m in told) == sorted([org.employee.email, org.other_manager.email])
    for message in mail.outbox:
        for secret in (EMPLOYEE_PREP, LEADERSHIP, MANAGER_DRAFT, RECORD, ACTION):
            assert secret not in _sent(message), (message.subject, secret)
    client.force_login(org.other_manager)
    page = client.get(reverse("interviews:interview_detail", args=[org.next_talk.pk])).content.decode()
    assert f"{RECORD} conclusions" in page and ACTION in page
    assert (
        client.post(reverse("goals:action_update", args=[action.pk]), {"status": "dropped"}).status_code
        == 404
    )


# --- the integrations: no token reads what anybody wrote for a talk ----------------------


def _api_urls(cycles):
    urls = [
        "/api/v1/units?limit=1000",
        "/api/v1/people?limit=1000",
        "/api/v1/reporting-lines?limit=1000&current=false",
    ]
    urls.append("/api/v1/cycles?limit=1000")
    for cycle in cycles:
        urls += [f"/api/v1/cycles/{cycle.pk}/figures", f"/api/v1/cycles/{cycle.pk}/interviews?limit=1000"]
    return urls


def test_no_api_or_scim_answer_carries_content_for_any_token(client, seeded):
    from interviews.models import Cycle
    from people.models import ApiScope, User
    from people.services import api_token_create

    tokens = []
    for scopes, whole, units in [
        (list(ApiScope.values), True, []),
        ([ApiScope.ORG_READ, ApiScope.FIGURES_READ], False, [seeded.unit_a]),
    ]:
        _row, raw = api_token_create(
            by=seeded.admin,
            name="leak test",
            scopes=scopes,
            expires_on=timezone.localdate() + datetime.timedelta(days=5),
            whole_organisation=whole,
            units=units,
        )
        tokens.append(raw)
    urls = _api_urls(Cycle.objects.all())
    urls += [
        "/scim/v2/Users?count=1000",
        "/scim/v2/Schemas",
        "/scim/v2/ResourceTypes",
        "/scim/v2/ServiceProviderConfig",
    ]
    urls += [
        f"/scim/v2/Users/{pk}" for pk in User.objects.exclude(employee_number="").values_list("pk", flat=True)
    ]
    answered = 0
    for raw in tokens:
        for url in urls:
            response = client.get(url, headers={"Authorization": f"Bearer {raw}"})
            answered += response.status_code == 200
            body = _body(response)
            for secret in READERS:
                assert secret not in body, f"a token reads {secret} at {url}"
            # A token never learns another token.
            for other in tokens:
                assert other not in body
    assert answered > 20
    # The import's preview names people, never what they wrote.
    response = client.post(
        "/api/v1/org/import",
        data={"people": [], "dry_run": True},
        content_type="application/json",
        headers={"Authorization": f"Bearer {tokens[0]}"},
    )
    assert response.status_code == 200
    assert not any(secret in response.content.decode() for secret in READERS)
    # Nor does any page, the administrator's included, show a token once it was made.
    client.force_login(seeded.admin)
    for url in _admin_urls(seeded) + ["/hr/audit/"]:
        body = _body(client.get(url))
        assert not any(raw in body for raw in tokens), url
