"""Pupils (one enrolment at one school), their guardians and placement events.

Only what the OPP's purpose needs (R-CONTENT-9): no BSN, no address, no field "just in case".
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Onderwijssoort, School

from . import destinations
from .names import list_name, sort_key


class SupportLevel(models.TextChoices):
    BASIS = "basis", _("Basisondersteuning")
    EXTRA = "extra", _("Extra ondersteuning")


class Funding(models.TextChoices):
    SCHOOL = "school", _("School")
    SWV = "swv", _("Arrangement van het samenwerkingsverband")


class Student(models.Model):
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="students")
    first_name = models.CharField(_("voornaam"), max_length=100)
    last_name = models.CharField(_("achternaam"), max_length=150)
    # Where the surname sorts in a Dutch list ("van den Berg" under B): students.names.sort_key, kept by save().
    name_sort_key = models.CharField(_("sorteernaam"), max_length=150, blank=True, editable=False, default="")
    date_of_birth = models.DateField(_("geboortedatum"))
    pupil_number = models.CharField(
        _("leerlingnummer"), max_length=20, help_text=_("Het leerlingnummer in de eigen leerlingadministratie.")
    )
    onderwijssoort = models.CharField(_("onderwijssoort"), max_length=3, choices=Onderwijssoort.choices)
    group_name = models.CharField(_("groep/klas"), max_length=30, blank=True)
    enrolled_on = models.DateField(_("datum inschrijving"))
    placed_on = models.DateField(
        _("datum definitieve plaatsing"), null=True, blank=True,
        help_text=_("Alleen invullen als de definitieve plaatsing later is dan de inschrijving."),
    )
    support_need_on = models.DateField(
        _("datum vastgesteld: extra ondersteuning nodig"), null=True, blank=True,
        help_text=_("Voor een leerling die al op school zit: de dag waarop bleek dat extra ondersteuning nodig is."),
    )
    support_level = models.CharField(
        _("ondersteuningsniveau"), max_length=5, choices=SupportLevel.choices, default=SupportLevel.BASIS
    )
    extra_support_description = models.CharField(
        _("omschrijving extra ondersteuning"), max_length=500, blank=True,
        help_text=_("Kort: welke ondersteuning boven de basisondersteuning (zie het SOP)."),
    )
    extra_support_funding = models.CharField(
        _("bekostiging extra ondersteuning"), max_length=6, choices=Funding.choices, blank=True
    )
    lwoo = models.BooleanField(_("leerwegondersteuning (lwoo)"), default=False)
    dyslexie = models.BooleanField(_("dyslexie"), default=False)
    dyscalculie = models.BooleanField(_("dyscalculie"), default=False)
    hoogbegaafd = models.BooleanField(_("hoogbegaafd"), default=False)
    handelingsbekwaam = models.BooleanField(
        _("meerderjarig en handelingsbekwaam"), default=False,
        help_text=_("Alleen voor een leerling van 18 jaar of ouder (R-TIME-4)."),
    )
    # R-TIME-4 (design): who consents for an adult, handelingsbekwame pupil, and whether the parents
    # may be informed (only with the pupil's permission).
    consent_party = models.CharField(
        _("wie stemt in (meerderjarige leerling)"), max_length=20, blank=True,
        choices=[("leerling", _("De leerling zelf")), ("leerling_en_ouders", _("De leerling samen met de ouders"))],
        help_text=_("Alleen voor een meerderjarige, handelingsbekwame leerling. Standaard: de leerling zelf."),
    )
    parents_informed = models.BooleanField(
        _("ouders mogen worden geïnformeerd"), default=False,
        help_text=_("Alleen met toestemming van de meerderjarige leerling."),
    )
    left_on = models.DateField(_("datum uitschrijving"), null=True, blank=True)
    # Where the pupil went (students.destinations): a choice, so a board can count it against the expected
    # uitstroombestemming of the plans (opp.ldgm); "overig" or any detail in the note.
    destination = models.CharField(_("bestemming na uitschrijving"), max_length=40, blank=True,
                                   choices=destinations.choices())
    destination_note = models.CharField(_("toelichting bij de bestemming"), max_length=200, blank=True)
    portal_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("portaalaccount van de leerling"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="student_enrolments",
    )

    # The current eligibility decision (R-ELIG) and the pupil's standing (students.history), recomputed by the
    # services on every write that moves the history, so that lists can filter and sort on them in the database.
    # History: EligibilityDecision.
    opp_required = models.BooleanField(_("OPP verplicht"), default=False, db_index=True)
    opp_start_on = models.DateField(_("startdatum zes-wekentermijn"), null=True, blank=True)
    opp_start_basis = models.CharField(_("grondslag startdatum"), max_length=20, blank=True)
    opp_due_on = models.DateField(_("uiterste datum vaststelling"), null=True, blank=True, db_index=True)
    # The current plan has an adopted version (students.history.Standing.in_force): the term is met.
    opp_in_force = models.BooleanField(_("vastgesteld OPP van kracht"), default=False)

    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        verbose_name = _("leerling")
        verbose_name_plural = _("leerlingen")
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "pupil_number"], name="student_unique_pupil_number_per_school",
                violation_error_message=_("Dit leerlingnummer bestaat al op deze school."),
            ),
            models.CheckConstraint(
                condition=Q(enrolled_on__gt=F("date_of_birth")), name="student_enrolled_after_birth",
                violation_error_message=_("De inschrijving moet na de geboortedatum liggen."),
            ),
            models.CheckConstraint(
                condition=Q(placed_on__isnull=True) | Q(placed_on__gte=F("enrolled_on")), name="student_placed_after_enrolment",
                violation_error_message=_("De definitieve plaatsing kan niet vóór de inschrijving liggen."),
            ),
            models.CheckConstraint(
                condition=Q(support_need_on__isnull=True) | Q(support_need_on__gt=F("date_of_birth")),
                name="student_support_need_after_birth",
                violation_error_message=_("De datum van de ondersteuningsbehoefte moet na de geboortedatum liggen."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("enrolled_on")), name="student_left_after_enrolment",
                violation_error_message=_("De uitschrijving kan niet vóór de inschrijving liggen."),
            ),
            models.CheckConstraint(
                condition=Q(support_level=SupportLevel.EXTRA) | Q(extra_support_funding=""),
                name="student_funding_only_with_extra_support",
                violation_error_message=_("Bekostiging hoort alleen bij extra ondersteuning."),
            ),
        ]
        indexes = [
            models.Index(fields=["school", "name_sort_key", "first_name"], name="student_school_sortname_idx"),
            models.Index(fields=["school", "group_name"], name="student_school_group_idx"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs):
        self.name_sort_key = sort_key(self.last_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "last_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_sort_key"}
        super().save(*args, **kwargs)

    @property
    def list_name(self) -> str:
        """"Berg, Jan van den": the name as the pupil list shows and sorts it."""
        return list_name(self.first_name, self.last_name)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def initials(self) -> str:
        """What staff emails may name (ARCHITECTURE.md: initials and school, nothing more)."""
        parts = [self.first_name[:1]] + [p[:1] for p in self.last_name.split() if p[:1].isupper()]
        return ".".join(p.upper() for p in parts if p) + "."

    def age_on(self, day: datetime.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def has_left(self, day: datetime.date) -> bool:
        return self.left_on is not None and self.left_on <= day


#: eligibility.parents_are_told as a database filter on pupils (R-TIME-4): the adult, handelingsbekwame pupils whose
#: parents are not told and do not see the plan. tests/students/test_history.py holds the two equal.
PARENTS_NOT_TOLD = Q(handelingsbekwaam=True, parents_informed=False) & ~Q(consent_party="leerling_en_ouders")


class Guardian(models.Model):
    """A parent or carer as known to one school. The same person at two schools is two rows (need-to-know)."""

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="guardians")
    name = models.CharField(_("naam"), max_length=200)
    email = models.EmailField(_("e-mailadres"), blank=True)
    phone = models.CharField(_("telefoonnummer"), max_length=30, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("portaalaccount"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="guardian_records",
    )
    students = models.ManyToManyField(Student, through="GuardianLink", related_name="guardians")

    class Meta:
        verbose_name = _("ouder/verzorger")
        verbose_name_plural = _("ouders/verzorgers")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class GuardianLink(models.Model):
    """Guardian ↔ pupil. Parental authority (gezag) sits here, not on the guardian (ARCHITECTURE.md)."""

    class Relation(models.TextChoices):
        OUDER = "ouder", _("Ouder")
        VERZORGER = "verzorger", _("Verzorger")
        VOOGD = "voogd", _("Voogd")
        ANDERS = "anders", _("Anders")

    student = models.ForeignKey(Student, verbose_name=_("leerling"), on_delete=models.CASCADE, related_name="guardian_links")
    guardian = models.ForeignKey(Guardian, verbose_name=_("ouder/verzorger"), on_delete=models.CASCADE, related_name="links")
    relation = models.CharField(_("relatie"), max_length=10, choices=Relation.choices, default=Relation.OUDER)
    has_gezag = models.BooleanField(
        _("heeft ouderlijk gezag"), default=True,
        help_text=_("Alleen ouders/verzorgers met gezag geven instemming met het handelingsdeel."),
    )

    class Meta:
        verbose_name = _("koppeling ouder–leerling")
        verbose_name_plural = _("koppelingen ouder–leerling")
        constraints = [
            models.UniqueConstraint(fields=["student", "guardian"], name="guardianlink_unique"),
        ]

    def __str__(self):
        return f"{self.guardian} → {self.student}"


class PlacementEvent(models.Model):
    """OPDC placement, temporary observation placement in an sbo, or a removal procedure (R-TIME-5)."""

    class Kind(models.TextChoices):
        OPDC = "opdc", _("Plaatsing in een OPDC")
        OBSERVATIE = "observatie", _("Tijdelijke observatieplaatsing in het sbo")
        VERWIJDERING = "verwijdering", _("Verwijderingsprocedure")

    student = models.ForeignKey(Student, verbose_name=_("leerling"), on_delete=models.CASCADE, related_name="placement_events")
    kind = models.CharField(_("soort"), max_length=12, choices=Kind.choices)
    start_on = models.DateField(_("startdatum"))
    end_on = models.DateField(_("einddatum"), null=True, blank=True)
    location = models.CharField(_("waar"), max_length=200, blank=True, help_text=_("Naam van het OPDC of de sbo-school."))
    # OPDC (R-SET-4, GPO 109370)
    support_question = models.TextField(_("ondersteuningsvraag aan het OPDC"), blank=True)
    expected_duration = models.CharField(_("verwachte duur"), max_length=100, blank=True)
    follows_whole_programme = models.BooleanField(
        _("volgt het hele onderwijsprogramma van de school"), null=True, blank=True
    )
    # Removal (R-TIME-5: GPO 108148, 107469)
    investigation_on = models.DateField(_("datum onderzoek ondersteuningsmogelijkheden"), null=True, blank=True)
    investigation_summary = models.TextField(
        _("onderzoek naar het OPP en de resterende ondersteuningsmogelijkheden"), blank=True,
        help_text=_("Wat is onderzocht, met wie, en met welke uitkomst."),
    )
    note = models.TextField(_("toelichting"), blank=True)
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("plaatsingsgebeurtenis")
        verbose_name_plural = _("plaatsingsgebeurtenissen")
        ordering = ["start_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=F("start_on")), name="placement_end_after_start",
                violation_error_message=_("De einddatum kan niet vóór de startdatum liggen."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.start_on:%d-%m-%Y})"

    def audit_school_id(self):
        return self.student.school_id


class EligibilityDecision(models.Model):
    """History of the R-ELIG decision: a new row each time the outcome or its reasons change (R-ELIG-5)."""

    student = models.ForeignKey(Student, verbose_name=_("leerling"), on_delete=models.CASCADE, related_name="eligibility_decisions")
    decided_at = models.DateTimeField(_("besloten op"), auto_now_add=True)
    required = models.BooleanField(_("OPP verplicht"))
    reasons = models.JSONField(_("redenen"), default=list)
    start_on = models.DateField(_("startdatum termijn"), null=True, blank=True)
    due_on = models.DateField(_("uiterste datum"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("aanleiding door"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("besluit OPP-plicht")
        verbose_name_plural = _("besluiten OPP-plicht")
        ordering = ["-decided_at", "-pk"]

    def __str__(self):
        return f"{'OPP verplicht' if self.required else 'Geen OPP nodig'} ({self.decided_at:%Y-%m-%d})"

    def audit_school_id(self):
        return self.student.school_id


class ImportBatch(models.Model):
    """One uploaded CSV file of pupils, kept between the dry run and applying it.

    The decoded text is kept only while the batch is pending: applying or discarding it clears
    `content`, so the portal does not hold a second copy of the pupil register (data minimisation).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("wacht op import")
        APPLIED = "applied", _("geïmporteerd")
        DISCARDED = "discarded", _("verworpen")

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="import_batches")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("geüpload door"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("geüpload op"), auto_now_add=True)
    filename = models.CharField(_("bestandsnaam"), max_length=255, blank=True)
    content = models.TextField(_("inhoud"), blank=True)
    sha256 = models.CharField(_("SHA-256 van het bestand"), max_length=64)
    delimiter = models.CharField(_("scheidingsteken"), max_length=1)
    encoding = models.CharField(_("tekenset"), max_length=20)
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.PENDING)
    applied_at = models.DateTimeField(_("geïmporteerd op"), null=True, blank=True)
    counts = models.JSONField(_("aantallen"), default=dict, blank=True)

    class Meta:
        verbose_name = _("importbestand")
        verbose_name_plural = _("importbestanden")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="applied", applied_at__isnull=False) | ~Q(state="applied"),
                name="importbatch_applied_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.filename or 'import'} ({self.created_at:%d-%m-%Y %H:%M})"
