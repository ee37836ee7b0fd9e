"""Nothing anybody wrote reaches somebody it is not for: every page of the access matrix,
for every role, plus emails, reminders, exports and the admin, is searched for seeded text.
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from goals.models import AgreedAction
from interviews.models import Interview, InterviewRecord, PrepForm
from interviews.records import RECORD_LABEL, record_save, record_sign
from interviews.sections import SECTION_KEYS
from people.models import Notification, OrgImport
from tests.conftest import PASSWORD
from tests.test_access import MATRIX, ROLES, add_cycles

# Each secret and the roles that may read it (see the org fixture in conftest.py).
EMPLOYEE_PREP = "SEEDED-EMPLOYEE-PREP"
LEADERSHIP = "SEEDED-LEADERSHIP-FEEDBACK"
MANAGER_DRAFT = "SEEDED-MANAGER-DRAFT"
RECORD = "SEEDED-RECORD-TEXT"
ACTION = "SEEDED-ACTION-TEXT"
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
}


@pytest.fixture
def seeded(org, django_capture_on_commit_callbacks):
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


@pytest.mark.parametrize(("name", "kwargs"), GET_PAGES)
def test_no_page_shows_text_to_someone_it_is_not_for(client, seeded, name, kwargs):
    url = reverse(name, kwargs=kwargs(seeded) if kwargs else None)
    for role in ROLES[1:]:
        client.force_login(getattr(seeded, role))
        response = client.get(url)
        body = (b"".join(response.streaming_content) if response.streaming else response.content).decode(
            errors="replace"
        )
        for secret, readers in READERS.items():
            if role not in readers:
                assert secret not in body, f"{role} sees {secret} at {url}"


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


def test_emails_and_reminders_carry_no_content(seeded):
    assert mail.outbox, "sharing and the sweep send email"
    texts = [m.subject + m.body for m in mail.outbox]
    texts += [a.get_payload(decode=True).decode(errors="replace") for m in mail.outbox for a in m.attachments]
    texts += [f"{n.subject} {n.url}" for n in Notification.objects.all()]
    for text in texts:
        for secret in (EMPLOYEE_PREP, LEADERSHIP, MANAGER_DRAFT, RECORD):
            assert secret not in text
    # The action's owner is reminded of what they agreed to do: that is theirs to read.
    owner_mail = [m for m in mail.outbox if ACTION in m.body]
    assert owner_mail and all(m.to == [seeded.other_employee.email] for m in owner_mail)


@pytest.mark.parametrize(
    "model", ["people_auditentry", "interviews_prepform", "interviews_interviewrecord", "goals_agreedaction"]
)
def test_the_admin_lists_show_status_not_content(client, seeded, model):
    client.force_login(seeded.admin)
    app, name = model.split("_", 1)
    body = client.get(reverse(f"admin:{app}_{name}_changelist")).content.decode()
    for secret in READERS:
        assert secret not in body
