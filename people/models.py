from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("Administrative staff")
    ACADEMIC = "academic", _("Academic staff")
    TECHNICAL = "technical", _("Technical staff")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def with_email(self, address: str):
        """The person with this address, however it is capitalised: compared in lower case, as
        the database keeps addresses unique (user_email_ci_unique, whose index this uses).
        Not iexact: PostgreSQL compares that in upper case, where "ſam@" and "sam@" meet."""
        return self.annotate(email_lower=Lower("email")).filter(email_lower=address.strip().lower())

    def get_by_natural_key(self, username):
        # People sign in with their email address however they capitalise it. Nothing
        # longer than an address is looked up (SQLite cannot even match it).
        if len(username or "") > 254:
            raise self.model.DoesNotExist
        return self.with_email(username).get()


class User(AbstractBaseUser, PermissionsMixin):
    """A person in the organisation, who logs in with their email address.

    Administrators and service accounts may have no employee number; everybody the HR
    system knows has one, and it is the key the import matches on.
    """

    email = models.EmailField(_("email address"), unique=True)
    # 64: some HR systems and identity providers key people by a GUID (36 characters).
    employee_number = models.CharField(_("employee number"), max_length=64, blank=True)
    given_name = models.CharField(_("given name"), max_length=150, blank=True)
    family_name = models.CharField(_("family name"), max_length=150, blank=True)
    job_kind = models.CharField(_("job kind"), max_length=20, choices=JobKind.choices, blank=True)
    unit = models.ForeignKey(
        "people.OrgUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    remind_prep = models.BooleanField(_("email me to prepare before an interview"), default=True)
    remind_scheduling = models.BooleanField(_("email me about interviews still to book"), default=True)
    remind_actions = models.BooleanField(_("email me about agreed actions that are due"), default=True)
    is_staff = models.BooleanField(_("administrator"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["family_name", "given_name"]
        indexes = [
            # Lists of interviews sort by the employee's name and show a page of them: with
            # this index the database reads the first hundred names in order instead of
            # joining and sorting every interview of a large unit.
            models.Index(fields=["family_name", "given_name", "id"], name="user_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["employee_number"],
                condition=~Q(employee_number=""),
                name="user_employee_number_unique",
            ),
            # "Eva@Example.org" and "eva@example.org" are one mailbox, so one person.
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name_of(self.given_name, self.family_name, self.email)

    @staticmethod
    def name_of(given_name: str, family_name: str, email: str) -> str:
        """How a person is named on a page, from their columns alone (for rows read as values)."""
        return f"{given_name} {family_name}".strip() or email

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.given_name or self.email


class OrgUnit(models.Model):
    """A unit in the organisation tree.

    `path` is the materialised path of ids ("1/4/17/"), kept by services.units_rebuild_paths,
    so that a unit's whole subtree is one indexed prefix query.
    """

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    head = models.ForeignKey(
        User,
        verbose_name=_("head of unit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_units",
    )
    path = models.CharField(max_length=500, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="orgunit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def subtree(self):
        """This unit and every unit below it, in one query."""
        return OrgUnit.objects.filter(path__startswith=self.path)

    def ancestor_ids(self) -> list[int]:
        """The ids of this unit and every unit above it, top first, read from its path (no query)."""
        return [int(pk) for pk in self.path.split("/") if pk]


class ReportingLine(models.Model):
    """Who holds the interview with whom, from when to when.

    valid_to is the first day the line no longer applies (null: still open). History is
    kept: a change closes the old line and opens a new one.
    """

    class Kind(models.TextChoices):
        IMMEDIATE_SUPERIOR = "immediate_superior", _("Immediate superior")
        HEAD_OF_UNIT = "head_of_unit", _("Head of unit")
        RESEARCH_GROUP_LEADER = "research_group_leader", _("Research-group leader")
        PROFESSIONAL_LEADER = "professional_leader", _("Other professional leader")

    employee = models.ForeignKey(
        User, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="reporting_lines"
    )
    partner = models.ForeignKey(
        User, verbose_name=_("interview partner"), on_delete=models.PROTECT, related_name="partner_lines"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reporting line")
        verbose_name_plural = _("reporting lines")
        ordering = ["employee", "-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee"],
                condition=Q(valid_to__isnull=True),
                name="reportingline_one_open_per_employee",
            ),
            models.CheckConstraint(condition=~Q(partner=models.F("employee")), name="reportingline_not_self"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="reportingline_dates_in_order",
            ),
        ]
        indexes = [models.Index(fields=["partner", "valid_to"])]

    def __str__(self) -> str:
        return f"{self.employee} → {self.partner} ({self.get_kind_display()})"


class HRRole(models.Model):
    """Makes a person HR, for the whole organisation or for some units and their sub-units."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="hr_role", verbose_name=_("person")
    )
    whole_organisation = models.BooleanField(_("whole organisation"), default=False)
    units = models.ManyToManyField(
        OrgUnit,
        blank=True,
        verbose_name=_("units"),
        help_text=_("The units (with their sub-units) this person is HR for, unless the whole organisation."),
    )

    class Meta:
        verbose_name = _("HR role")
        verbose_name_plural = _("HR roles")

    def __str__(self) -> str:
        return str(self.user)


class OrgImport(models.Model):
    """One upload of the HR system's files: previewed first, applied when HR confirms."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected (bad rows)")

    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    units_filename = models.CharField(max_length=255, blank=True)
    people_filename = models.CharField(max_length=255, blank=True)
    # The files themselves, so that confirming applies exactly what was previewed and
    # nothing depends on one web node's disk.
    units_text = models.TextField(blank=True)
    people_text = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    report = models.JSONField(default=dict)
    # The people file lists the whole organisation: people missing from it leave.
    whole_organisation = models.BooleanField(_("the file is the whole organisation"), default=False)

    class Meta:
        verbose_name = _("organisation import")
        verbose_name_plural = _("organisation imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_status_display()}"


class ReminderDelivery(models.Model):
    """One reminder to one person about one thing on one occasion: the unit of "sent exactly once".

    The unique constraint is the claim: a sweep inserts the row (a repeated or concurrent
    sweep inserts nothing), and the task that sends it first moves it from pending to
    sending with a conditional UPDATE, so two workers never both send it.
    """

    class Kind(models.TextChoices):
        PREP = "prep", _("Preparation")
        SCHEDULING = "scheduling", _("Scheduling")
        ACTION = "action", _("Agreed actions")
        # A record waits for the person's signature: told when it starts, reminded after 3 and 7 days.
        SIGNATURE = "signature", _("Signatures")
        # The other party did something the person should know of: shared their preparation,
        # signed or commented, opened a correction.
        HANDOFF = "handoff", _("News from the other party")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    # The message's words: they say what needs doing and link to it, never what anybody wrote
    # for a talk, and still the admin shows none of them (people/admin.py, MetadataAdmin).
    content_fields = ("subject", "body")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    about = models.CharField(max_length=100, help_text="What it is about, e.g. action:42")
    occasion = models.CharField(max_length=64, help_text="Which reminder about it, e.g. due or overdue-3")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reminder_deliveries")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    url = models.CharField(max_length=300)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The organisation's day the delivery was made: nobody gets the same kind of reminder
    # about the same matter twice on one day, whichever path (sweep, HR's nudge, a
    # hand-off) asks for it. Empty on deliveries made before the rule.
    day = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "about", "occasion", "recipient"], name="reminder_once"),
            models.UniqueConstraint(fields=["kind", "about", "recipient", "day"], name="reminder_once_a_day"),
        ]
        indexes = [models.Index(fields=["status", "claimed_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.about} {self.occasion} → {self.recipient_id}"


class Notification(models.Model):
    """What the bell shows: a reminder in the app, next to the email."""

    content_fields = ("subject",)

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    delivery = models.OneToOneField(ReminderDelivery, on_delete=models.CASCADE, null=True, blank=True)
    subject = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.created_at:%Y-%m-%d})" if self.created_at else f"#{self.pk}"


class WelcomeEmail(models.Model):
    """A welcome email sent to a person the import created, with a link to set their password.

    One per person and HR request (request_key, a token in the form that asked): the same
    request sent twice (a double click, a retried POST) sends nothing the second time.
    """

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="welcome_emails")
    sent_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)
    request_key = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("welcome email")
        verbose_name_plural = _("welcome emails")
        constraints = [
            models.UniqueConstraint(fields=["person", "request_key"], name="welcome_once_per_request")
        ]
        indexes = [models.Index(fields=["person", "-sent_at"], name="welcome_person_latest")]

    def __str__(self) -> str:
        return f"{self.person} {self.sent_at:%Y-%m-%d %H:%M}" if self.sent_at else str(self.person)


class AuditEntry(models.Model):
    """Who did what to which object, when (UTC) and from where. Append-only.

    Never the text of an answer, a record or an action: an entry names the object by type
    and id and says what happened to it. Nothing edits or deletes an entry: the model
    refuses, the admin offers no way, and on PostgreSQL a trigger refuses even raw SQL.
    """

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("who"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The address typed at a failed login, or the actor's email when the entry was written.
    actor_email = models.CharField(_("who (email)"), max_length=254, blank=True)
    action = models.CharField(_("what"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    ip = models.GenericIPAddressField(_("from"), null=True, blank=True)
    path = models.CharField(_("page"), max_length=300, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "at"]),
            # The audit log's search by an address typed at a failed sign-in (no actor): without
            # it, finding one address read every entry (1.5 s over a million).
            models.Index(Upper("actor_email"), name="audit_email_no_actor", condition=Q(actor__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_email} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are never deleted.")


class ApiScope(models.TextChoices):
    ORG_READ = "org:read", _("Read units, people and reporting lines")
    ORG_WRITE = "org:write", _("Import units, people and reporting lines")
    FIGURES_READ = "figures:read", _("Read cycles, their figures and interviews' states")
    SCIM = "scim", _("Provision people over SCIM")


# Scopes that change or list the whole organisation: only for a token of the whole organisation.
WHOLE_ORGANISATION_SCOPES = frozenset({ApiScope.ORG_WRITE, ApiScope.SCIM})


class ApiToken(models.Model):
    """A bearer token for one integration (the HR system, the identity provider, reporting).

    The token itself is shown once when made; only its SHA-256 is kept, with its first
    characters (prefix) to tell tokens apart in lists and the audit log. What it may do is
    its scopes; what it may see is its units (with their sub-units) or the whole organisation,
    the same "who may see what" as an HR role.
    """

    name = models.CharField(_("integration"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    whole_organisation = models.BooleanField(_("whole organisation"), default=False)
    units = models.ManyToManyField(OrgUnit, blank=True, verbose_name=_("units"), related_name="+")
    created_by = models.ForeignKey(
        User, verbose_name=_("made by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, verbose_name=_("revoked by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class ScimIdentity(models.Model):
    """What the identity provider calls a person over SCIM: its userName and externalId.

    The SCIM id of a person is their primary key; this row exists once the identity
    provider has created or claimed them. deleted_at: the provider deleted the user; the
    person is deactivated (never removed: their talks stay) and SCIM answers 404 for them.
    """

    person = models.OneToOneField(User, on_delete=models.CASCADE, related_name="scim")
    user_name = models.CharField(max_length=254)
    external_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SCIM identity")
        verbose_name_plural = _("SCIM identities")
        constraints = [
            # userName is unique and compared without case (RFC 7643, 4.1.1).
            models.UniqueConstraint(Lower("user_name"), name="scim_user_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.user_name
