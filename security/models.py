"""Who gets in, and how: sessions, activation links and the four-eyes requests.

The tables keep the names they had in accounts (migration accounts 0008 / security 0001 moved the models, not the rows).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Board, Membership, Role, School, User


class ApprovalRequest(models.Model):
    """One change of access that waits for a second person (four eyes).

    The beheerder asks (a new or raised membership, a change of the adoption mandate, a new second factor or
    a new password for a staff account); the school's schoolleider or the board's bestuurder decides in the
    portal (security.approvals). Who may decide what is accounts.access's business.
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
        db_table = "accounts_approvalrequest"  # the table keeps its name from when this lived in accounts
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
    """A one-time link by which a staff account sets its own password: for a new account, and
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
        db_table = "accounts_staffactivation"  # the table keeps its name from when this lived in accounts
        verbose_name = _("activeringslink")
        verbose_name_plural = _("activeringslinks")
        ordering = ["-created_at"]

    def __str__(self):
        return f"Activering {self.user_id} ({self.created_at:%Y-%m-%d})"

    def problem(self, now=None) -> str | None:
        now = now or timezone.now()
        if self.revoked_at or not self.user.is_active:
            return self.Problem.REVOKED
        if self.used_at:
            return self.Problem.USED
        if self.expires_at <= now:
            return self.Problem.EXPIRED
        return None


class UserSession(models.Model):
    """Which sessions belong to which user, so that all of them can be ended at once.

    Written at login; read when the account is deactivated or its password changes. The session rows
    themselves stay in django_session; this is only the index Django lacks.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "accounts_usersession"  # the table keeps its name from when this lived in accounts
        verbose_name = _("sessie")
        verbose_name_plural = _("sessies")

    def __str__(self):
        return f"{self.user_id}:{self.created_at:%Y-%m-%d %H:%M}"


class SsoIdentity(models.Model):
    """The link between a portal account and one identity at the school's identity provider (security.sso).

    Made at the first single sign-on, when the provider's verified email matched an existing staff account; from
    then on the account is found by (issuer, subject) only, whatever the provider says the email is. Only these
    facts are kept: no name, no token, no other claim. The beheerder can remove a link in the admin (the next
    login then matches on the verified email again)."""

    user = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="sso_identities")
    issuer = models.CharField(_("identiteitsprovider"), max_length=255)
    subject = models.CharField(_("kenmerk bij de provider"), max_length=255)
    # The email the link was made on, for the beheerder who checks a link; not used to match.
    email = models.EmailField(_("e-mailadres bij koppeling"), blank=True)
    linked_at = models.DateTimeField(_("gekoppeld op"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("laatst ingelogd"), null=True, blank=True)

    class Meta:
        verbose_name = _("koppeling met schoolaccount")
        verbose_name_plural = _("koppelingen met schoolaccounts")
        ordering = ["user_id", "issuer"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique_subject"),
            models.UniqueConstraint(fields=["user", "issuer"], name="sso_identity_one_per_issuer"),
        ]

    def __str__(self):
        return f"{self.user_id} @ {self.issuer}"
