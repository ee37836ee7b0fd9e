import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Cycle(models.Model):
    """A named period in which the interviews of some units are held."""

    class Frequency(models.TextChoices):
        YEARLY = "yearly", _("Yearly")
        HALF_YEARLY = "half_yearly", _("Half-yearly")
        QUARTERLY = "quarterly", _("Quarterly")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    units = models.ManyToManyField(
        "people.OrgUnit",
        verbose_name=_("units"),
        related_name="cycles",
        help_text=_("The units whose people take part; each unit includes its sub-units."),
    )
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    frequency = models.CharField(
        _("frequency"), max_length=16, choices=Frequency.choices, default=Frequency.YEARLY
    )
    min_notice_days = models.PositiveSmallIntegerField(
        _("minimum notice (days)"), default=14, help_text=_("How many days ahead a meeting must be booked.")
    )
    min_length_minutes = models.PositiveSmallIntegerField(
        _("minimum length (minutes)"), default=60, help_text=_("The shortest meeting that may be booked.")
    )
    prep_reminder_days = models.PositiveSmallIntegerField(
        _("preparation reminders start (days before the meeting)"), default=7
    )
    archive_for_hr = models.BooleanField(
        _("archive signed summaries for HR"),
        default=False,
        help_text=_(
            "If ticked, HR can read the signed summaries of this cycle. Nothing else is ever shown to HR."
        ),
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    launched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic lock: an edit based on an older version is refused, not silently applied.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        ordering = ["-opens_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gt=F("opens_on")), name="cycle_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(min_length_minutes__gte=15), name="cycle_min_length_at_least_15"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Interview(models.Model):
    """One employee's interview with their partner in one cycle."""

    # What the two parties (and HR, for the reason) wrote: never in the admin (MetadataAdmin).
    content_fields = ("note", "reason")
    NOTE_MAX_LENGTH = 2000
    REASON_MAX_LENGTH = 2000

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        SIGNED = "signed", _("Signed")
        CANCELLED = "cancelled", _("Cancelled")
        EXCUSED = "excused", _("Excused")

    UNFINISHED = (State.PLANNED, State.SCHEDULED, State.HELD)

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="interviews"
    )
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employee"),
        on_delete=models.PROTECT,
        related_name="interviews",
    )
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("interview partner"),
        on_delete=models.PROTECT,
        related_name="partner_interviews",
    )
    # The employee's unit when the interview was created, so figures stay put when people move.
    unit = models.ForeignKey(
        "people.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="interviews"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PLANNED)
    reason = models.TextField(_("reason"), blank=True, max_length=REASON_MAX_LENGTH)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), null=True, blank=True)
    place = models.CharField(_("place or video link"), max_length=500, blank=True)
    # Written for the calendar invitation: it goes into both parties' calendars and emails.
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX_LENGTH)
    # The calendar event: one UID for the interview's life, SEQUENCE raised on every change.
    ics_uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    ics_sequence = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Whether each party's prep form is shared: the forms' state, copied here by prep_share
    # (and cleared when a new partner starts over), so that lists, reminders and HR's
    # figures read one row per interview instead of joining every year's prep forms.
    employee_shared = models.BooleanField(_("employee's prep shared"), default=False)
    manager_shared = models.BooleanField(_("manager's prep shared"), default=False)
    # The earlier talk (held with somebody else) the employee chose to show, and the partner
    # they showed it to: its conclusions and actions on this interview's follow-up. A talk's
    # content belongs to the two who had it, so both must match what the page is about to
    # show (interviews.records.follow_up_open_to), and a change of partner clears them.
    history_shared_with = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("earlier talk shown to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history_shared_talk = models.ForeignKey(
        "self",
        verbose_name=_("earlier talk shown"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        ordering = ["cycle", "employee__family_name", "employee__given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "employee"], name="interview_one_per_employee_per_cycle"
            ),
            models.CheckConstraint(
                condition=~Q(partner=F("employee")), name="interview_partner_not_employee"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(duration_minutes__isnull=False),
                name="interview_meeting_has_length",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "state"]),
            models.Index(fields=["cycle", "state"]),
            # A unit's interviews in a cycle (HR's drill-down, scoped HR): counted from the
            # index alone.
            models.Index(fields=["cycle", "unit"]),
            models.Index(fields=["partner", "starts_at"]),
            # A manager's interviews in the open cycle (their list, home page and menu):
            # without it PostgreSQL intersects the partner and cycle indexes on every page.
            models.Index(fields=["partner", "cycle"]),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.cycle}"

    @property
    def ends_at(self):
        if self.starts_at is None or self.duration_minutes is None:
            return None
        import datetime

        # In UTC: adding minutes to a local time adds them on the wall clock, which is an hour
        # off for a meeting across a change of daylight saving time.
        return self.starts_at.astimezone(datetime.UTC) + datetime.timedelta(minutes=self.duration_minutes)

    @property
    def is_unfinished(self) -> bool:
        return self.state in self.UNFINISHED


class PrepForm(models.Model):
    """One party's preparation for one interview: a private draft until its author shares it."""

    content_fields = (
        "follow_up",
        "unit_goals",
        "work_tasks",
        "working_environment",
        "leadership",
        "development",
        "plans",
    )

    class Role(models.TextChoices):
        EMPLOYEE = "employee", _("Employee")
        MANAGER = "manager", _("Manager")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SHARED = "shared", _("Shared")

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="prep_forms")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prep_forms")
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.DRAFT)
    follow_up = models.TextField(blank=True)
    unit_goals = models.TextField(blank=True)
    work_tasks = models.TextField(blank=True)
    working_environment = models.TextField(blank=True)
    leadership = models.TextField(blank=True)
    development = models.TextField(blank=True)
    plans = models.TextField(blank=True)
    # Every save raises the version; a save based on an older one is refused (no lost update).
    version = models.PositiveIntegerField(default=1)
    shared_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("prep form")
        verbose_name_plural = _("prep forms")
        constraints = [
            models.UniqueConstraint(fields=["interview", "role"], name="prepform_one_per_party"),
        ]

    def __str__(self) -> str:
        return f"{self.interview} · {self.get_role_display()}"


class LocalGuideline(models.Model):
    """A unit's own guidance for the talks, shown on the forms of the unit and every unit below it."""

    unit = models.OneToOneField(
        "people.OrgUnit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="guideline"
    )
    text = models.TextField(_("guidelines"), blank=True, max_length=10_000)
    extra_prompts = models.TextField(
        _("extra prompts"),
        blank=True,
        max_length=5_000,
        help_text=_("One question per line, shown on every form."),
    )
    employee_writes_record = models.BooleanField(
        _("employees may write the record too"),
        default=False,
        help_text=_("Otherwise only the manager writes it; the employee reads, comments and signs."),
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("local guideline")
        verbose_name_plural = _("local guidelines")

    def __str__(self) -> str:
        return str(self.unit)

    def prompt_list(self) -> list[str]:
        return [line.strip() for line in self.extra_prompts.splitlines() if line.strip()]


class LockedRecordError(Exception):
    """A change to a signed (locked) interview record was attempted."""


class SignMethod(models.TextChoices):
    PASSWORD = "password", _("password")
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML")


class InterviewRecord(models.Model):
    """What the two agreed in the meeting, one version at a time.

    A version is written, signed by the manager and then the employee, and locked: its
    content is frozen in `content` (canonical JSON) with a SHA-256 hash, and nothing of it
    may change again (service, model and, on PostgreSQL, a trigger). A correction is a new
    version copied from the last signed one.
    """

    content_fields = (*PrepForm.content_fields, "conclusions", "employee_comment", "content")

    interview = models.ForeignKey(Interview, on_delete=models.PROTECT, related_name="records")
    number = models.PositiveSmallIntegerField(_("version"), default=1)
    follow_up = models.TextField(blank=True)
    unit_goals = models.TextField(blank=True)
    work_tasks = models.TextField(blank=True)
    working_environment = models.TextField(blank=True)
    leadership = models.TextField(blank=True)
    development = models.TextField(blank=True)
    plans = models.TextField(blank=True)
    conclusions = models.TextField(_("conclusions"), blank=True)
    edit_version = models.PositiveIntegerField(default=1)
    manager_signed_at = models.DateTimeField(null=True, blank=True)
    manager_signed_hash = models.CharField(max_length=64, blank=True)
    employee_signed_at = models.DateTimeField(null=True, blank=True)
    employee_signed_hash = models.CharField(max_length=64, blank=True)
    # How each signer proved who they were just before signing: their password, or a fresh
    # sign-in at the identity provider (which, and when it says they authenticated).
    manager_sign_method = models.CharField(max_length=10, choices=SignMethod.choices, blank=True)
    manager_sign_provider = models.CharField(max_length=200, blank=True)
    manager_authenticated_at = models.DateTimeField(null=True, blank=True)
    employee_sign_method = models.CharField(max_length=10, choices=SignMethod.choices, blank=True)
    employee_sign_provider = models.CharField(max_length=200, blank=True)
    employee_authenticated_at = models.DateTimeField(null=True, blank=True)
    employee_comment = models.TextField(_("employee's comment"), blank=True)
    # The employee signs that they have read the record; this says they do not agree with all
    # of it (the comment says where). The manager is told, and the summary shows it.
    employee_disagrees = models.BooleanField(_("the employee disagrees"), default=False)
    locked_at = models.DateTimeField(null=True, blank=True)
    content = models.JSONField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    # The signed summary in the employee's language, and a copy in the partner's language
    # when that is another one: each party downloads it in their own.
    pdf = models.FileField(upload_to="records/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_partner = models.FileField(upload_to="records/", blank=True)
    pdf_partner_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("interview record")
        verbose_name_plural = _("interview records")
        ordering = ["interview", "number"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "number"], name="record_version_unique"),
            models.UniqueConstraint(
                fields=["interview"],
                condition=Q(locked_at__isnull=True),
                name="record_one_draft_per_interview",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interview} · v{self.number}"

    def save(self, *args, **kwargs):
        # The model's own guard: a record read as locked is never written again.
        if getattr(self, "_locked_in_db", False):
            raise LockedRecordError("This interview record is signed and locked.")
        super().save(*args, **kwargs)
        self._locked_in_db = self.locked_at is not None

    def delete(self, *args, **kwargs):
        if getattr(self, "_locked_in_db", False) or self.locked_at is not None:
            raise LockedRecordError("This interview record is signed and locked.")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._locked_in_db = instance.locked_at is not None if "locked_at" in field_names else False
        return instance

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class RecordGoal(models.Model):
    """An individual goal for the next period, agreed in the record."""

    content_fields = ("text",)

    record = models.ForeignKey(InterviewRecord, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField(_("goal"), max_length=2000)
    deadline = models.DateField(_("deadline"))
    unit_goal = models.ForeignKey(
        "goals.UnitGoal",
        verbose_name=_("serves the unit goal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.deadline})"
