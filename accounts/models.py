"""Organisations, people and their roles."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opp_portal import languages


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
#: School roles to whom the schoolleider may grant managing the school's goal bank (Membership.textbank_grant); the
#: schoolleider has it by role (accounts.access.ROLE_CAPS).
TEXTBANK_GRANT_ROLES = frozenset({Role.BEGELEIDER, Role.LEERKRACHT, Role.COMMISSIE})


class User(AbstractUser):
    """Everybody who logs in: staff (through memberships) and parents or adult pupils (through a pupil link)."""

    # The board whose beheerder manages this staff account, also while it has no role yet.
    # Parents and pupils have none: the admin never reaches them.
    managed_by = models.ForeignKey(
        "Board", verbose_name=_("beheerd door bestuur"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="managed_users",
    )
    # Who made the account: that person may never approve its access, and a beheerder's
    # second account stays theirs until someone else has approved it.
    created_by = models.ForeignKey(
        "self", verbose_name=_("aangemaakt door"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    # The language of the portal and of the emails to this person (opp_portal.languages); empty: not chosen, Dutch.
    # The school sees a parent's choice on the pupil page.
    preferred_language = models.CharField(
        _("taal"), max_length=8, blank=True, default="", choices=languages.SETTINGS_LANGUAGES,
    )

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def chosen_language(self) -> languages.Language | None:
        """The language this person chose for the portal and their emails; None: not chosen (Dutch)."""
        return languages.BY_CODE.get(self.preferred_language) if self.preferred_language else None

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

    A membership gives nothing until it is approved (four eyes): `approved_at` is set by the
    school's schoolleider or the board's bestuurder in the portal (security.approvals), or for the very
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
    # Cap.TEXTBANK_MANAGE for school staff besides the schoolleider (accounts.access._caps_of), given and withdrawn
    # by the school's schoolleider (opp.bank.grant_set).
    textbank_grant = models.BooleanField(
        _("mag de tekstbank beheren"), default=False,
        help_text=_("Alleen voor intern begeleider, leerkracht of commissie: de schoolleider heeft toestemming gegeven "
                    "om de tekstbank van de school te beheren."),
    )
    # Need to know: a leerkracht reads only the pupils of their own groups (Student.group_name), see
    # accounts.access.pupil_reach. Without a group they read no pupils at all (fail closed).
    groups = models.JSONField(
        _("groepen/klassen"), default=list, blank=True,
        help_text=_("Alleen voor een leerkracht: de groepen of klassen (zoals in het leerlingregister, bijvoorbeeld "
                    "5 of 3B) waarvan de leerkracht de leerlingen ziet. Zonder groep ziet de leerkracht geen leerlingen."),
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
            models.CheckConstraint(
                condition=Q(textbank_grant=False) | Q(role__in=sorted(TEXTBANK_GRANT_ROLES)),
                name="membership_textbank_grant_only_school_staff",
                violation_error_message=_("Alleen een intern begeleider, leerkracht of commissielid kan toestemming "
                                          "krijgen om de tekstbank te beheren."),
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
        if self.textbank_grant and self.role not in TEXTBANK_GRANT_ROLES:
            raise ValidationError({"textbank_grant": _("Alleen een intern begeleider, leerkracht of commissielid kan "
                                                       "toestemming krijgen om de tekstbank te beheren.")})
        # Only a leerkracht has own groups; another role reads the whole school (or board) and keeps none.
        self.groups = normalize_groups(self.groups) if self.role in GROUP_SCOPED_ROLES else []


#: Roles that read only the pupils of the groups named on their membership (need to know).
GROUP_SCOPED_ROLES = frozenset({Role.LEERKRACHT})


def normalize_groups(groups) -> list[str]:
    """The groups of a membership as stored: trimmed, without empties or doubles, in order. Accepts a list or a
    text with commas ("5, 6a")."""
    if isinstance(groups, str):
        groups = groups.split(",")
    seen: list[str] = []
    for g in groups or []:
        g = str(g).strip()[:30]
        if g and g not in seen:
            seen.append(g)
    return seen
