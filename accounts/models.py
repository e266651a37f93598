"""Organisations, people and their roles, and the append-only audit log."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Onderwijssoort(models.TextChoices):
    BAO = "bao", _("Basisonderwijs (bao)")
    SBO = "sbo", _("Speciaal basisonderwijs (sbo)")
    SO = "so", _("Speciaal onderwijs (so)")
    VSO = "vso", _("Voortgezet speciaal onderwijs (vso)")
    VO = "vo", _("Voortgezet onderwijs (vo)")
    PRO = "pro", _("Praktijkonderwijs (pro)")


#: Onderwijssoorten for which a school must state its cluster (DOMAIN glossary: cluster 1–4).
CLUSTERED_SOORTEN = frozenset({Onderwijssoort.SO, Onderwijssoort.VSO})


class Role(models.TextChoices):
    BEGELEIDER = "begeleider", _("Intern begeleider / zorgcoördinator")
    LEERKRACHT = "leerkracht", _("Leerkracht / mentor")
    SCHOOLLEIDER = "schoolleider", _("Schoolleider")
    COMMISSIE = "commissie", _("Commissie voor de begeleiding / van onderzoek")
    BESTUURDER = "bestuurder", _("Bestuurder (bevoegd gezag)")
    GESCHILLEN = "geschillen", _("Geschillenfunctionaris van het bestuur")
    BEHEERDER = "beheerder", _("Functioneel beheerder")


#: Roles held at one school; the others are held at a board.
SCHOOL_ROLES = frozenset({Role.BEGELEIDER, Role.LEERKRACHT, Role.SCHOOLLEIDER, Role.COMMISSIE})
BOARD_ROLES = frozenset({Role.BESTUURDER, Role.GESCHILLEN, Role.BEHEERDER})


class User(AbstractUser):
    """Everybody who logs in: staff (through memberships) and parents or adult pupils (through a pupil link)."""

    # The board whose beheerder manages this staff account, also while it has no role yet.
    # Parents and pupils have none: the admin never reaches them.
    managed_by = models.ForeignKey(
        "Board", verbose_name=_("beheerd door bestuur"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="managed_users",
    )
    # Who made the account (issue 16): that person may never approve its access, and a beheerder's
    # second account stays theirs until someone else has approved it.
    created_by = models.ForeignKey(
        "self", verbose_name=_("aangemaakt door"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_school_staff(self) -> bool:
        # Cached per request object: navigation and access checks ask this several times.
        if not hasattr(self, "_is_school_staff"):
            self._is_school_staff = self.memberships.filter(approved_at__isnull=False).exists()
        return self._is_school_staff


class Board(models.Model):
    """Bevoegd gezag: the school board, which alone sets (vaststelt) an OPP (R-SET-1)."""

    name = models.CharField(_("naam"), max_length=200, unique=True)
    bevoegd_gezag_nummer = models.CharField(
        _("bevoegd-gezagnummer"),
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^\d{5}$", _("Een bevoegd-gezagnummer bestaat uit vijf cijfers."))],
    )

    class Meta:
        verbose_name = _("schoolbestuur")
        verbose_name_plural = _("schoolbesturen")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Samenwerkingsverband(models.Model):
    """Regional partnership; its ondersteuningsplan bounds what counts as extra support (R-ELIG-4)."""

    code = models.CharField(
        _("code"),
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^(PO|VO)\s?\d{2}-?\d{1,2}[A-Z]?$", _("Gebruik een code als PO 26-01 of VO2601."))],
        help_text=_("Bijvoorbeeld PO 26-01."),
    )
    name = models.CharField(_("naam"), max_length=200)

    class Meta:
        verbose_name = _("samenwerkingsverband")
        verbose_name_plural = _("samenwerkingsverbanden")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


brin_validator = RegexValidator(
    r"^\d{2}[A-Z]{2}$", _("Een BRIN-code bestaat uit twee cijfers en twee hoofdletters, bijvoorbeeld 12AB.")
)


class School(models.Model):
    board = models.ForeignKey(Board, verbose_name=_("bestuur"), on_delete=models.PROTECT, related_name="schools")
    brin = models.CharField(_("BRIN-code"), max_length=4, unique=True, validators=[brin_validator])
    name = models.CharField(_("naam"), max_length=200)
    onderwijssoorten = models.JSONField(
        _("onderwijssoorten"),
        default=list,
        help_text=_("De onderwijssoorten die de school aanbiedt."),
    )
    cluster = models.PositiveSmallIntegerField(
        _("cluster"),
        null=True,
        blank=True,
        choices=[(n, _("Cluster %(n)s") % {"n": n}) for n in range(1, 5)],
        help_text=_("Alleen voor so en vso."),
    )
    samenwerkingsverband = models.ForeignKey(
        Samenwerkingsverband,
        verbose_name=_("samenwerkingsverband"),
        on_delete=models.PROTECT,
        related_name="schools",
        null=True,
        blank=True,
    )

    consent_one_guardian_suffices = models.BooleanField(
        _("instemming van één ouder met gezag volstaat"), default=False,
        help_text=_("Standaard stemmen alle ouders/verzorgers met gezag in met het handelingsdeel."),
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("scholen")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cluster__isnull=True) | Q(cluster__gte=1, cluster__lte=4),
                name="school_cluster_1_to_4",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        soorten = self.onderwijssoorten
        valid = set(Onderwijssoort.values)
        if not isinstance(soorten, list) or not soorten:
            raise ValidationError({"onderwijssoorten": _("Kies minstens één onderwijssoort.")})
        unknown = [s for s in soorten if s not in valid]
        if unknown:
            raise ValidationError(
                {"onderwijssoorten": _("Onbekende onderwijssoort: %(s)s.") % {"s": ", ".join(map(str, unknown))}}
            )
        if len(set(soorten)) != len(soorten):
            raise ValidationError({"onderwijssoorten": _("Elke onderwijssoort mag maar één keer voorkomen.")})
        clustered = bool(CLUSTERED_SOORTEN & set(soorten))
        if clustered and self.cluster is None:
            raise ValidationError({"cluster": _("Een school voor so of vso hoort bij cluster 1, 2, 3 of 4.")})
        if not clustered and self.cluster is not None:
            raise ValidationError({"cluster": _("Alleen scholen voor so of vso hebben een cluster.")})

    def offers(self, soort: str) -> bool:
        return soort in self.onderwijssoorten

    def get_onderwijssoorten_display(self) -> str:
        labels = dict(Onderwijssoort.choices)
        return ", ".join(str(labels.get(s, s)) for s in self.onderwijssoorten)


class MembershipQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(approved_at__isnull=False)

    def pending(self):
        return self.filter(approved_at__isnull=True)


class Membership(models.Model):
    """A user's role at one school or one board. A user may hold several.

    A membership gives nothing until it is approved (issue 16, four eyes): `approved_at` is set by the
    school's schoolleider or the board's bestuurder in the portal (accounts.approvals), or for the very
    first one of a board or school by an operator (`manage.py approve_membership`). Pending by default,
    so that a membership made any other way fails closed.
    """

    user = models.ForeignKey(User, verbose_name=_("gebruiker"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    board = models.ForeignKey(
        Board, verbose_name=_("bestuur"), on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    adoption_mandate = models.BooleanField(
        _("mandaat om OPP's vast te stellen"),
        default=False,
        help_text=_("Alleen voor een schoolleider: het bestuur heeft mandaat gegeven om voor deze school OPP's vast te stellen."),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    requested_by = models.ForeignKey(
        User, verbose_name=_("aangevraagd door"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("goedgekeurd op"), null=True, blank=True)
    # Empty with approved_at set: approved by an operator (audited) or before approvals existed.
    approved_by = models.ForeignKey(
        User, verbose_name=_("goedgekeurd door"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("rol")
        verbose_name_plural = _("rollen")
        ordering = ["user__username", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=sorted(SCHOOL_ROLES), school__isnull=False, board__isnull=True)
                    | Q(role__in=sorted(BOARD_ROLES), board__isnull=False, school__isnull=True)
                ),
                name="membership_scope_matches_role",
                violation_error_message=_("Deze rol hoort bij een school of juist bij een bestuur."),
            ),
            models.CheckConstraint(
                condition=Q(adoption_mandate=False) | Q(role=Role.SCHOOLLEIDER),
                name="membership_mandate_only_schoolleider",
                violation_error_message=_("Alleen een schoolleider kan mandaat krijgen om vast te stellen."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "school"], condition=Q(school__isnull=False), name="membership_unique_school_role",
                violation_error_message=_("Deze gebruiker heeft deze rol al op deze school."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "board"], condition=Q(board__isnull=False), name="membership_unique_board_role",
                violation_error_message=_("Deze gebruiker heeft deze rol al bij dit bestuur."),
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.school or self.board}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def board_of_scope(self) -> int | None:
        """The board this membership belongs to (its own, or its school's)."""
        return self.board_id if self.board_id else (self.school.board_id if self.school_id else None)

    def clean(self):
        if self.role in SCHOOL_ROLES and (self.school_id is None or self.board_id is not None):
            raise ValidationError({"school": _("Deze rol hoort bij een school: kies een school en geen bestuur.")})
        if self.role in BOARD_ROLES and (self.board_id is None or self.school_id is not None):
            raise ValidationError({"board": _("Deze rol hoort bij een bestuur: kies een bestuur en geen school.")})
        if self.adoption_mandate and self.role != Role.SCHOOLLEIDER:
            raise ValidationError({"adoption_mandate": _("Alleen een schoolleider kan mandaat krijgen om vast te stellen.")})


class ApprovalRequest(models.Model):
    """One change of access that waits for a second person (issue 16, four eyes).

    The beheerder asks (a new or raised membership, a change of the adoption mandate, a new second factor or
    a new password for a staff account); the school's schoolleider or the board's bestuurder decides in the
    portal (accounts.approvals). Who may decide what is accounts.access's business.
    """

    class Kind(models.TextChoices):
        MEMBERSHIP = "membership", _("nieuwe of gewijzigde rol")
        MANDATE = "mandate", _("mandaat om vast te stellen")
        OTP_RESET = "otp_reset", _("tweestapsverificatie opnieuw instellen")
        PASSWORD_RESET = "password_reset", _("wachtwoord opnieuw laten instellen")

    class State(models.TextChoices):
        PENDING = "pending", _("wacht op goedkeuring")
        APPROVED = "approved", _("goedgekeurd")
        REFUSED = "refused", _("afgewezen")
        WITHDRAWN = "withdrawn", _("ingetrokken")

    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.PENDING)
    user = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="approval_requests")
    membership = models.ForeignKey(
        Membership, verbose_name=_("rol"), on_delete=models.SET_NULL, null=True, blank=True, related_name="approval_requests"
    )
    # What was asked, kept after the membership is gone (a refusal deletes a pending membership).
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices, blank=True)
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    board = models.ForeignKey(Board, verbose_name=_("bestuur"), on_delete=models.CASCADE, related_name="+")
    mandate = models.BooleanField(_("mandaat om vast te stellen"), default=False)
    # The address a new activation link goes to (password reset): the approver sees and approves it.
    email = models.EmailField(_("e-mailadres"), blank=True)
    requested_by = models.ForeignKey(User, verbose_name=_("aangevraagd door"), on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("aangevraagd op"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("besloten door"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set instead of decided_by when an operator approved the first bestuurder or schoolleider.
    decided_by_operator = models.CharField(_("besloten door operator"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("besloten op"), null=True, blank=True)

    class Meta:
        verbose_name = _("goedkeuringsverzoek")
        verbose_name_plural = _("goedkeuringsverzoeken")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "membership"], condition=Q(state="pending", membership__isnull=False),
                name="approval_one_pending_per_membership",
            ),
            models.UniqueConstraint(
                fields=["kind", "user"], condition=Q(state="pending", kind__in=["otp_reset", "password_reset"]),
                name="approval_one_pending_reset_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.user} ({self.get_state_display()})"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING


class StaffActivation(models.Model):
    """A one-time link by which a staff account sets its own password (issue 16): for a new account, and
    after an approved password reset. Only the token's hash is stored; nobody else ever sets the password."""

    class Problem(models.TextChoices):
        UNKNOWN = "unknown", _("onbekend")
        USED = "used", _("al gebruikt")
        EXPIRED = "expired", _("verlopen")
        REVOKED = "revoked", _("ingetrokken")

    user = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="activations")
    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField(_("verstuurd naar"))
    reset = models.BooleanField(_("nieuw wachtwoord na goedkeuring"), default=False)
    created_by = models.ForeignKey(User, verbose_name=_("verstuurd door"), on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(_("verstuurd op"), auto_now_add=True)
    expires_at = models.DateTimeField(_("geldig tot"))
    used_at = models.DateTimeField(_("gebruikt op"), null=True, blank=True)
    completed_at = models.DateTimeField(_("wachtwoord ingesteld op"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)

    class Meta:
        verbose_name = _("activeringslink")
        verbose_name_plural = _("activeringslinks")
        ordering = ["-created_at"]

    def __str__(self):
        return f"Activering {self.user_id} ({self.created_at:%Y-%m-%d})"

    def problem(self, now=None) -> str | None:
        from django.utils import timezone

        now = now or timezone.now()
        if self.revoked_at or not self.user.is_active:
            return self.Problem.REVOKED
        if self.used_at:
            return self.Problem.USED
        if self.expires_at <= now:
            return self.Problem.EXPIRED
        return None


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Het auditlogboek kan niet worden gewijzigd.")

    def delete(self):
        raise PermissionError("Het auditlogboek kan niet worden verwijderd.")


class AuditEvent(models.Model):
    """One append-only row per read or write of pupil data, login and refusal: who, what, when — never content."""

    class Action(models.TextChoices):
        VIEW = "view", _("bekeken")
        CREATE = "create", _("aangemaakt")
        UPDATE = "update", _("gewijzigd")
        DELETE = "delete", _("verwijderd")
        EXPORT = "export", _("geëxporteerd")
        IMPORT = "import", _("geïmporteerd")
        LOGIN = "login", _("ingelogd")
        LOGIN_FAILED = "login_failed", _("mislukte inlogpoging")
        LOGOUT = "logout", _("uitgelogd")
        DENIED = "denied", _("toegang geweigerd")
        TRANSITION = "transition", _("status gewijzigd")
        # Issue 10: second factor, lockout, sessions, retention, inzage, the log itself.
        OTP_ENROLLED = "otp_enrolled", _("tweestapsverificatie ingesteld")
        OTP_VERIFIED = "otp_verified", _("tweede stap geslaagd")
        OTP_FAILED = "otp_failed", _("tweede stap mislukt")
        OTP_BACKUP_CODES = "otp_backup_codes", _("herstelcodes aangemaakt")
        OTP_BACKUP_USED = "otp_backup_used", _("herstelcode gebruikt")
        OTP_REMOVED = "otp_removed", _("tweestapsverificatie verwijderd")
        LOCKED_OUT = "locked_out", _("tijdelijk geblokkeerd")
        SESSION_EXPIRED = "session_expired", _("sessie verlopen")
        SESSIONS_ENDED = "sessions_ended", _("alle sessies beëindigd")
        PASSWORD_CHANGED = "password_changed", _("wachtwoord gewijzigd")
        RETENTION_DELETE = "retention_delete", _("verwijderd na bewaartermijn")
        # Issue 16: four eyes on access to pupil data.
        APPROVAL_REQUESTED = "approval_requested", _("goedkeuring gevraagd")
        APPROVED = "approved", _("goedgekeurd")
        REFUSED = "refused", _("afgewezen")

    at = models.DateTimeField(_("tijdstip"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("wie"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The username as typed (failed logins) or at the time; never a pupil's name.
    actor_label = models.CharField(_("gebruikersnaam"), max_length=150, blank=True)
    action = models.CharField(_("handeling"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("soort object"), max_length=100, blank=True)
    object_id = models.CharField(_("object-id"), max_length=64, blank=True)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)
    # Structured facts only (field names, states, counts) — callers must never pass content.
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("auditregel")
        verbose_name_plural = _("auditlogboek")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx"),
            models.Index(fields=["school", "-at"], name="audit_school_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise PermissionError("Een auditregel kan niet worden gewijzigd.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Een auditregel kan niet worden verwijderd.")


class UserSession(models.Model):
    """Which sessions belong to which user, so that all of them can be ended at once (issue 10).

    Written at login; read when the account is deactivated or its password changes. The session rows
    themselves stay in django_session; this is only the index Django lacks.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sessie")
        verbose_name_plural = _("sessies")

    def __str__(self):
        return f"{self.user_id}:{self.created_at:%Y-%m-%d %H:%M}"
