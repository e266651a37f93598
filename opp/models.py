"""The OPP: a plan per pupil, numbered versions with the R-CONTENT sections, and the consultation log.

A set (vastgesteld) version never changes (R-SET-5). That is enforced three times: the services check
the state under select_for_update; the models and querysets below refuse to write to a frozen version
or its items; and on PostgreSQL a trigger refuses it in the database (migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from students.models import Student

from . import hashing, ldgm, measures
from .sections import LEERGEBIEDEN, uitstroom_label


class FrozenVersionError(Exception):
    """Raised on any attempt to change an adopted version or its parts."""


class Plan(models.Model):
    class State(models.TextChoices):
        ACTIEF = "actief", _("Actief")
        BEEINDIGD = "beeindigd", _("Beëindigd")
        INGETROKKEN = "ingetrokken", _("Ingetrokken")

    student = models.ForeignKey(Student, verbose_name=_("leerling"), on_delete=models.PROTECT, related_name="plans")
    state = models.CharField(_("status"), max_length=12, choices=State.choices, default=State.ACTIEF)
    created_at = models.DateTimeField(_("gestart op"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("gestart door"), on_delete=models.PROTECT, related_name="+")
    # beëindigen (after an evaluation) and intrekken (by the board) both stay on record (R-SET-5).
    ended_on = models.DateField(_("einddatum"), null=True, blank=True)
    end_reason = models.TextField(_("reden"), blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("beëindigd/ingetrokken door"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    # The day a withdrawal was made known to the parents (it may be backdated in ended_on); R-GPO-2 counts from it.
    made_known_on = models.DateField(_("bekendgemaakt op"), null=True, blank=True)

    class Meta:
        verbose_name = _("OPP")
        verbose_name_plural = _("OPP's")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["student"], condition=Q(state="actief"), name="plan_one_active_per_student",
                                    violation_error_message=_("Deze leerling heeft al een lopend OPP.")),
            models.CheckConstraint(
                condition=Q(state="actief", ended_on__isnull=True) | (~Q(state="actief") & Q(ended_on__isnull=False)),
                name="plan_ended_has_date",
            ),
        ]
        indexes = [
            # The school overview, "Mijn taken" and the sweep's kinds join a school's pupils to their plans. With
            # the state and the id in the index, PostgreSQL finds them by index alone instead of scanning every
            # plan of every school (bench/pages.py).
            # (id as a third key column rather than INCLUDE: SQLite has no INCLUDE and would warn on every start)
            models.Index(fields=["student", "state", "id"], name="plan_student_state_idx"),
        ]

    def __str__(self):
        return f"OPP {self.student} ({self.get_state_display()})"

    def audit_school_id(self):
        return self.student.school_id


class VersionState(models.TextChoices):
    CONCEPT = "concept", _("Concept")
    IN_OVERLEG = "in_overleg", _("In overleg")
    INSTEMMING_GEVRAAGD = "instemming_gevraagd", _("Instemming gevraagd")
    TER_VASTSTELLING = "ter_vaststelling", _("Ter vaststelling")
    VASTGESTELD = "vastgesteld", _("Vastgesteld")
    VERVANGEN = "vervangen", _("Vervangen")


FROZEN_STATES = frozenset({VersionState.VASTGESTELD, VersionState.VERVANGEN})
OPEN_STATES = frozenset({VersionState.CONCEPT, VersionState.IN_OVERLEG, VersionState.INSTEMMING_GEVRAAGD,
                         VersionState.TER_VASTSTELLING})
#: States in which the begeleider may still edit the content.
EDITABLE_STATES = frozenset({VersionState.CONCEPT, VersionState.IN_OVERLEG})


class FrozenGuardQuerySet(models.QuerySet):
    """Bulk update/delete may not touch a frozen version (or the parts of one)."""

    version_path = "version"

    def _touches_frozen(self) -> bool:
        if self.model is PlanVersion:
            return self.filter(state__in=FROZEN_STATES).exists()
        return self.filter(**{f"{self.version_path}__state__in": FROZEN_STATES}).exists()

    def update(self, **kwargs):
        if self._touches_frozen() and not self._only_superseding(kwargs):
            raise FrozenVersionError("Een vastgestelde versie kan niet worden gewijzigd.")
        return super().update(**kwargs)

    def _only_superseding(self, kwargs) -> bool:
        """The one allowed change (as in PlanVersion.save and the trigger): vastgesteld → vervangen, nothing else."""
        return (self.model is PlanVersion and set(kwargs) <= {"state", "superseded_at", "updated_at"}
                and kwargs.get("state") == VersionState.VERVANGEN
                and not self.filter(state=VersionState.VERVANGEN).exists())

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if self.model is not PlanVersion and PlanVersion.objects.filter(
                pk__in={o.version_id for o in objs}, state__in=FROZEN_STATES).exists():
            raise FrozenVersionError("Een vastgestelde versie kan niet worden gewijzigd.")
        if self.model is ActionItem:
            Goal.give_to([o for o in objs if o.plan_goal_id is None])
        return super().bulk_create(objs, *args, **kwargs)

    def delete(self):
        if self._touches_frozen():
            raise FrozenVersionError("Een vastgestelde versie kan niet worden verwijderd.")
        return super().delete()


class PlanVersion(models.Model):
    plan = models.ForeignKey(Plan, verbose_name=_("OPP"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("versienummer"))
    state = models.CharField(_("status"), max_length=20, choices=VersionState.choices, default=VersionState.CONCEPT)
    based_on = models.ForeignKey("self", verbose_name=_("bijstelling van"), on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="revisions")
    for_swv_arrangement = models.BooleanField(
        _("opgesteld voor een arrangement van het samenwerkingsverband"), default=False,
        help_text=_("Ook dan is op overeenstemming gericht overleg met de ouders nodig vóór vaststelling (R-CONSENT-6)."))
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("aangemaakt door"), on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("laatst gewijzigd"), auto_now=True)
    # Optimistic locking per section: {"uitstroom": 3, ...}; a save must name the revision it started from.
    section_revisions = models.JSONField(default=dict, blank=True)

    # Adoption (R-SET-1): filled by the adoption service; the version is frozen from then on.
    adopted_at = models.DateTimeField(_("vastgesteld op"), null=True, blank=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("vastgesteld door"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    adopted_hash = models.CharField(_("versiehash bij vaststelling"), max_length=64, blank=True)
    superseded_at = models.DateTimeField(_("vervangen op"), null=True, blank=True)
    adopted_as = models.CharField(_("vastgesteld als"), max_length=200, blank=True,
                                  help_text=_("De rol en het mandaat waaronder is vastgesteld (R-SET-1)."))
    submitted_at = models.DateTimeField(_("ter vaststelling aangeboden op"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("aangeboden door"), on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    # Bekendmaking: the day the parents were told; the GPO's six weeks run from it (R-GPO-2).
    made_known_on = models.DateField(_("bekendgemaakt op"), null=True, blank=True)
    # The PDF rendered once at adoption, archived outside the web root, with its own hash.
    archived_pdf = models.CharField(_("gearchiveerde PDF"), max_length=200, blank=True)
    archived_pdf_hash = models.CharField(_("hash van de gearchiveerde PDF"), max_length=64, blank=True, db_index=True)

    # --- Sections (R-CONTENT); items live in FactorItem, ActionItem, YieldItem -------------------
    uitstroom_profiel = models.CharField(_("uitstroomprofiel"), max_length=40, blank=True)
    uitstroom_onderbouwing = models.TextField(_("onderbouwing van het uitstroomprofiel"), blank=True)
    programma_afwijking = models.TextField(_("afwijking van het onderwijsprogramma"), blank=True)
    doelen_nodig = models.BooleanField(_("vervangende onderwijsdoelen nodig"), null=True, blank=True)
    vervangende_doelen = models.TextField(_("vervangende onderwijsdoelen"), blank=True)
    onderwijstijd_nodig = models.BooleanField(_("afwijking van de onderwijstijd"), null=True, blank=True)
    onderwijstijd_aanbod = models.TextField(_("onderwijsaanbod"), blank=True)
    onderwijstijd_toetsing = models.TextField(_("toetsing"), blank=True)
    onderwijstijd_begeleiding = models.TextField(_("begeleiding door de school"), blank=True)
    onderwijstijd_duur = models.CharField(_("beoogde duur"), max_length=200, blank=True)
    rapporten_weging = models.TextField(_("weging van externe rapporten"), blank=True)
    leerling_mening = models.TextField(_("mening van de leerling"), blank=True)
    leerling_weging = models.TextField(_("hoe de mening is meegewogen"), blank=True)
    leerling_uitleg = models.TextField(_("hoe het besluit aan de leerling is uitgelegd"), blank=True)
    opdc_vraag = models.TextField(_("ondersteuningsvraag aan het OPDC"), blank=True)
    opdc_duur = models.CharField(_("verwachte duur"), max_length=200, blank=True)
    opdc_programma = models.BooleanField(_("volgt het hele onderwijsprogramma van de school"), null=True, blank=True)
    commissie_advies_on = models.DateField(_("datum advies commissie"), null=True, blank=True)
    commissie_advies = models.TextField(_("advies van de commissie"), blank=True)
    # Landelijk Doelgroepenmodel (opp.ldgm), sbo/so/vso *(practice)*: part of the content, frozen with the version.
    ldgm_leerroute = models.CharField(_("leerroute (doelgroepenmodel)"), max_length=2, blank=True,
                                      choices=ldgm.leerroute_choices())
    ldgm_bestemming = models.CharField(_("verwachte uitstroombestemming"), max_length=40, blank=True,
                                       choices=ldgm.bestemming_choices())
    ldgm_onderbouwing = models.TextField(_("onderbouwing van leerroute en bestemming"), blank=True)
    ldgm_besloten_on = models.DateField(_("besloten op"), null=True, blank=True)
    #: {step key: ISO date done} for the model's steps (opp.ldgm.STEPS).
    ldgm_stappen = models.JSONField(_("stappen van het doelgroepenmodel"), default=dict, blank=True)

    objects = FrozenGuardQuerySet.as_manager()

    class Meta:
        verbose_name = _("OPP-versie")
        verbose_name_plural = _("OPP-versies")
        # By the plan's id, not by "plan": ordering by a relation orders by the related model's ordering, which
        # joins that table into every query of this model (tests/perf/test_default_ordering.py).
        ordering = ["-plan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="version_number_unique_per_plan"),
            models.UniqueConstraint(fields=["plan"], condition=Q(state="vastgesteld"), name="version_one_current_adopted",
                                    violation_error_message=_("Een OPP heeft maar één geldende vastgestelde versie.")),
            models.UniqueConstraint(
                fields=["plan"], condition=Q(state__in=["concept", "in_overleg", "instemming_gevraagd", "ter_vaststelling"]),
                name="version_one_open_per_plan",
                violation_error_message=_("Er is al een versie in bewerking; rond die eerst af.")),
            models.CheckConstraint(
                condition=~Q(state__in=["vastgesteld", "vervangen"]) | Q(adopted_at__isnull=False, adopted_by__isnull=False),
                name="version_adopted_has_adopter",
            ),
        ]

    def __str__(self):
        return _("Versie %(n)s (%(state)s)") % {"n": self.number, "state": self.get_state_display()}

    @property
    def is_frozen(self) -> bool:
        return self.state in FROZEN_STATES

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def ldgm_steps(self) -> list:
        """The steps of the Landelijk Doelgroepenmodel with the date each was done (None: not yet), in order."""
        return ldgm.steps_done(self.ldgm_stappen)

    @property
    def ldgm_fits(self) -> bool:
        return ldgm.fits(self.ldgm_leerroute, self.ldgm_bestemming)

    @property
    def uitstroom_label(self) -> str:
        """The uitstroom profile as every screen, PDF and export names it: from the list of the pupil's onderwijssoort
        (opp.sections.uitstroom_label). Reads the plan's pupil (loaded by every caller that shows a version)."""
        return uitstroom_label(self.uitstroom_profiel or "", self.plan.student.onderwijssoort)

    def handelingsdeel_hash(self) -> str:
        """The hash consent binds (R-CONSENT-5); uses prefetched actions when present."""
        return hashing.handelingsdeel_hash([{f: getattr(a, f) for f in (*hashing.ACTION_FIELDS, *hashing.MEASURE_FIELDS)}
                                            for a in self.actions.all()])

    @cached_property
    def consent_complete(self) -> bool:
        """Every party consented, on this version, to exactly its current handelingsdeel (R-CONSENT-4, 5). The version
        stays in the state "instemming gevraagd" until it is offered for adoption; this says the asking is over."""
        if self.state != VersionState.INSTEMMING_GEVRAAGD:
            return False
        requests = sorted(self.consent_requests.all(), key=lambda r: (r.requested_at, r.pk), reverse=True)
        latest = requests[0] if requests else None
        return (latest is not None and latest.state == "gegeven"
                and latest.handelingsdeel_hash == self.handelingsdeel_hash())

    @property
    def status_label(self) -> str:
        """The version's status as every screen names it (staff pages, the portal, the PDF): the one place that
        says "Instemming gegeven" once the consent is complete, instead of the stored "Instemming gevraagd"."""
        if self.consent_complete:
            return str(_("Instemming gegeven"))
        return str(self.get_state_display())

    def audit_school_id(self):
        return self.plan.student.school_id

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = PlanVersion.objects.filter(pk=self.pk).values_list("state", flat=True).first()
            if stored in FROZEN_STATES:
                allowed = {"state", "superseded_at", "updated_at"}
                fields = set(kwargs.get("update_fields") or [])
                superseding = stored == VersionState.VASTGESTELD and self.state == VersionState.VERVANGEN
                if not (superseding and fields and fields <= allowed):
                    raise FrozenVersionError("Een vastgestelde versie kan niet worden gewijzigd.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if PlanVersion.objects.filter(pk=self.pk, state__in=FROZEN_STATES).exists():
            raise FrozenVersionError("Een vastgestelde versie kan niet worden verwijderd.")
        return super().delete(*args, **kwargs)


class VersionPart(models.Model):
    """Base for the parts of a version: writing to them is refused once the version is frozen."""

    objects = FrozenGuardQuerySet.as_manager()

    class Meta:
        abstract = True

    def _check_version(self):
        # The stored version counts too: moving a part out of an adopted version changes that version.
        ids = {self.version_id}
        if self.pk is not None:
            ids |= set(type(self).objects.filter(pk=self.pk).values_list("version_id", flat=True))
        if PlanVersion.objects.filter(pk__in=ids, state__in=FROZEN_STATES).exists():
            raise FrozenVersionError("Een vastgestelde versie kan niet worden gewijzigd.")

    def save(self, *args, **kwargs):
        self._check_version()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_version()
        return super().delete(*args, **kwargs)

    def audit_school_id(self):
        return self.version.plan.student.school_id


class FactorItem(VersionPart):
    class Kind(models.TextChoices):
        BELEMMEREND = "belemmerend", _("Belemmerend")
        BEVORDEREND = "bevorderend", _("Bevorderend")

    class Domain(models.TextChoices):
        KIND = "kind", _("Bij het kind")
        OMGEVING = "omgeving", _("In de omgeving")

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="factors")
    position = models.PositiveIntegerField(_("volgorde"))
    kind = models.CharField(_("soort"), max_length=12, choices=Kind.choices)
    domain = models.CharField(_("gebied"), max_length=10, choices=Domain.choices)
    text = models.TextField(_("factor"))
    # Provenance (R-CONTENT-4), as on ActionItem: outside every hash.
    bank_text = models.ForeignKey("BankText", verbose_name=_("uit de tekstbank"), on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+")
    bank_original = models.TextField(_("tekst zoals ingevoegd"), blank=True)

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:40]}"

    class Meta:
        verbose_name = _("factor")
        verbose_name_plural = _("factoren")
        ordering = ["version_id", "position"]


class GoalQuerySet(models.QuerySet):
    def with_wording(self):
        """Each goal with its wording in its latest version (`last_wording`) from the same query, so that a list of
        goals (the admin, the audit log's describer) names them without a query per goal."""
        latest = (ActionItem.objects.filter(plan_goal=OuterRef("pk")).order_by("-version__number", "-pk")
                  .values("goal")[:1])
        return self.annotate(last_wording=Subquery(latest))


class Goal(models.Model):
    """A goal of the plan that lasts from version to version (R-CONTENT-4): each version's handelingsdeel item
    points to one, a revision's copy keeps pointing to it, and what is attached to the goal (measurements,
    evaluations) follows it across versions. A goal a revision drops simply has no item in that version; the goal
    itself stays. Its text and measure live on the version's item (frozen with the version, R-SET-5)."""

    plan = models.ForeignKey(Plan, verbose_name=_("OPP"), on_delete=models.CASCADE, related_name="goals")
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    objects = GoalQuerySet.as_manager()

    class Meta:
        verbose_name = _("doel van het OPP")
        verbose_name_plural = _("doelen van het OPP")
        ordering = ["-plan_id", "pk"]

    def __str__(self):
        wording = " ".join(self.wording.split())
        if not wording:
            return f"Doel {self.pk} (OPP {self.plan_id})"
        return wording if len(wording) <= 60 else wording[:59].rstrip() + "…"

    @property
    def wording(self) -> str:
        """The goal's text in its latest version ("" when no version holds it): from `with_wording()`'s annotation
        or prefetched `items` when there (no query), else one query."""
        if "last_wording" in self.__dict__:
            return self.last_wording or ""
        items = getattr(self, "_prefetched_objects_cache", {}).get("items")
        if items is not None:
            # A plan's versions are made in the order of their numbers, so the latest has the highest id.
            latest = max(items, key=lambda item: (item.version_id, item.pk), default=None)
            return latest.goal if latest else ""
        if self.pk is None:
            return ""
        return self.items.order_by("-version__number", "-pk").values_list("goal", flat=True).first() or ""

    def audit_school_id(self):
        return self.plan.student.school_id

    @classmethod
    def give_to(cls, items) -> None:
        """A new goal for each item without one, in its version's plan (a new row of the handelingsdeel)."""
        if not items:
            return
        plans = dict(PlanVersion.objects.filter(pk__in={i.version_id for i in items}).values_list("pk", "plan_id"))
        goals = cls.objects.bulk_create([cls(plan_id=plans[i.version_id]) for i in items])
        for item, goal in zip(items, goals, strict=True):
            item.plan_goal = goal


class ActionItem(VersionPart):
    """One item of the handelingsdeel (R-CONTENT-4): the part the parents consent to. `plan_goal` is the lasting
    goal it is this version's wording of (Goal); `goal` is that wording."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="actions")
    plan_goal = models.ForeignKey(Goal, verbose_name=_("doel van het OPP"), on_delete=models.PROTECT,
                                  related_name="items")
    position = models.PositiveIntegerField(_("volgorde"))
    goal = models.TextField(_("doel"))
    approach = models.TextField(_("aanpak/interventie"))
    who = models.CharField(_("wie"), max_length=300)
    frequency = models.CharField(_("hoe vaak/hoe lang"), max_length=300)
    evaluation_moment = models.CharField(_("evaluatiemoment"), max_length=300)
    evaluation_criterion = models.TextField(_("evaluatiecriterium"))
    # The goal's measure (opp.measures; checked there by the form and the service), all empty when it has none.
    measure_instrument = models.CharField(_("meetinstrument"), max_length=20, blank=True,
                                          choices=measures.INSTRUMENT_CHOICES)
    measure_baseline = models.CharField(_("beginwaarde"), max_length=measures.MAX_VALUE, blank=True)
    measure_baseline_on = models.DateField(_("datum beginsituatie"), null=True, blank=True)
    measure_target = models.CharField(_("streefwaarde"), max_length=measures.MAX_VALUE, blank=True)
    measure_target_on = models.DateField(_("streefdatum"), null=True, blank=True)
    measure_direction = models.CharField(_("vooruitgang is"), max_length=5, blank=True, choices=measures.DIRECTIONS)
    # Provenance (R-CONTENT-4): the bank text the goal or approach was started from and its wording then, so that a
    # handelingsdeel of unchanged standard texts is found (opp.compliance). Not content: outside every hash.
    goal_bank_text = models.ForeignKey("BankText", verbose_name=_("doel uit de tekstbank"), on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="+")
    goal_bank_original = models.TextField(_("doeltekst zoals ingevoegd"), blank=True)
    approach_bank_text = models.ForeignKey("BankText", verbose_name=_("aanpak uit de tekstbank"),
                                           on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approach_bank_original = models.TextField(_("aanpak zoals ingevoegd"), blank=True)

    def __str__(self):
        return self.goal[:50]

    @property
    def measure(self) -> measures.Measure:
        return measures.Measure(self.measure_instrument, self.measure_baseline, self.measure_baseline_on,
                                self.measure_target, self.measure_target_on, self.measure_direction)

    @property
    def measure_text(self) -> str:
        """The measure in plain words (the plan, its PDF, the portal); empty without one."""
        return measures.describe(self.measure)

    def save(self, *args, **kwargs):
        if self.plan_goal_id is None:
            self._check_version()
            Goal.give_to([self])
        super().save(*args, **kwargs)

    class Meta:
        verbose_name = _("onderdeel handelingsdeel")
        verbose_name_plural = _("handelingsdeel")
        ordering = ["version_id", "position"]


class YieldItem(VersionPart):
    """Expected learning yield per subject area (R-CONTENT-10, po)."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="yields")
    position = models.PositiveIntegerField(_("volgorde"))
    subject = models.CharField(_("vakgebied"), max_length=30)
    expectation = models.TextField(_("verwachting"))

    def __str__(self):
        return f"{self.subject}: {self.expectation[:40]}"

    def get_subject_label(self) -> str:
        return str(dict(LEERGEBIEDEN).get(self.subject, self.subject))

    class Meta:
        verbose_name = _("leerrendementsverwachting")
        verbose_name_plural = _("leerrendementsverwachtingen")
        ordering = ["version_id", "position"]


class Consultation(models.Model):
    """A meeting with the parents about the plan (OOGO, R-CONSENT-1..3)."""

    class Agreement(models.TextChoices):
        JA = "ja", _("Ja, overeenstemming bereikt")
        DEELS = "deels", _("Gedeeltelijk")
        NEE = "nee", _("Nee, geen overeenstemming")

    plan = models.ForeignKey(Plan, verbose_name=_("OPP"), on_delete=models.PROTECT, related_name="consultations")
    version = models.ForeignKey(PlanVersion, verbose_name=_("besproken versie"), on_delete=models.PROTECT, null=True,
                                blank=True, related_name="consultations")
    held_on = models.DateField(_("datum"))
    parents_present = models.BooleanField(_("ouders/verzorgers aanwezig"), default=True)
    pupil_present = models.BooleanField(_("leerling aanwezig"), default=False)
    staff_present = models.CharField(_("aanwezig namens de school"), max_length=300, blank=True)
    others_present = models.CharField(_("andere aanwezigen"), max_length=300, blank=True)
    agreement = models.CharField(_("overeenstemming"), max_length=5, choices=Agreement.choices)
    summary = models.TextField(_("verslag"), blank=True, help_text=_("Zichtbaar voor de ouders."))
    internal_note = models.TextField(_("interne notitie"), blank=True, help_text=_("Alleen voor medewerkers van de school."))
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("vastgelegd door"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("overleg")
        verbose_name_plural = _("overleggen")
        ordering = ["held_on", "pk"]

    def __str__(self):
        return f"Overleg {self.held_on:%d-%m-%Y}"

    def audit_school_id(self):
        return self.plan.student.school_id


class Suggestion(models.Model):
    """A parents' suggestion and the school's response to it (R-CONSENT-1: open to, not bound by)."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Nog in beraad")
        OVERGENOMEN = "overgenomen", _("Overgenomen")
        DEELS = "deels", _("Deels overgenomen")
        NIET = "niet", _("Niet overgenomen")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="suggestions")
    position = models.PositiveIntegerField(_("volgorde"))
    text = models.TextField(_("suggestie van de ouders"))
    response = models.TextField(_("reactie van de school"), blank=True)
    outcome = models.CharField(_("uitkomst"), max_length=12, choices=Outcome.choices, default=Outcome.OPEN)

    class Meta:
        verbose_name = _("suggestie")
        verbose_name_plural = _("suggesties")
        ordering = ["consultation_id", "position"]

    def __str__(self):
        return self.text[:50]


class ConsentRequest(models.Model):
    """The school's explicit request for consent on the handelingsdeel of one exact version
    (R-CONSENT-4, 5). The hash freezes what is asked; the parties are fixed when it is sent."""

    class State(models.TextChoices):
        OPEN = "open", _("Wacht op antwoord")
        GEGEVEN = "gegeven", _("Instemming gegeven")
        GEWEIGERD = "geweigerd", _("Geen instemming")
        INGETROKKEN = "ingetrokken", _("Verzoek ingetrokken")

    version = models.ForeignKey(PlanVersion, verbose_name=_("versie"), on_delete=models.PROTECT, related_name="consent_requests")
    handelingsdeel_hash = models.CharField(_("hash van het handelingsdeel"), max_length=64)
    # [{"kind": "guardian"|"pupil", "id": 12, "name": "…"}], as required when the request was sent.
    parties = models.JSONField(_("partijen"), default=list)
    any_one_suffices = models.BooleanField(_("één ouder met gezag volstaat"), default=False)
    state = models.CharField(_("status"), max_length=12, choices=State.choices, default=State.OPEN)
    requested_at = models.DateTimeField(_("gevraagd op"), auto_now_add=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("gevraagd door"), on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("afgesloten op"), null=True, blank=True)

    class Meta:
        verbose_name = _("verzoek om instemming")
        verbose_name_plural = _("verzoeken om instemming")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["version"], condition=Q(state="open"), name="consent_one_open_request_per_version",
                                    violation_error_message=_("Er loopt al een verzoek om instemming voor deze versie.")),
        ]

    def __str__(self):
        return f"Instemming v{self.version.number} ({self.get_state_display()})"

    def audit_school_id(self):
        return self.version.plan.student.school_id


class ConsentAnswer(models.Model):
    """One party's answer: ik stem in / ik stem niet in. Who, when, the hash, address and channel."""

    class Answer(models.TextChoices):
        JA = "ja", _("Ik stem in")
        NEE = "nee", _("Ik stem niet in")

    class Channel(models.TextChoices):
        PORTAAL = "portaal", _("Portaal")
        PAPIER = "papier", _("Op papier")

    request = models.ForeignKey(ConsentRequest, on_delete=models.PROTECT, related_name="answers")
    guardian = models.ForeignKey("students.Guardian", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    pupil = models.ForeignKey(Student, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    party_name = models.CharField(_("naam"), max_length=200)
    answer = models.CharField(_("antwoord"), max_length=3, choices=Answer.choices)
    explanation = models.TextField(_("toelichting"), blank=True)
    handelingsdeel_hash = models.CharField(_("hash van het handelingsdeel"), max_length=64)
    answered_at = models.DateTimeField(_("beantwoord op"), auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("portaalaccount"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("vastgelegd door"))
    ip_address = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)
    channel = models.CharField(_("kanaal"), max_length=8, choices=Channel.choices)
    signed_on = models.DateField(_("ondertekend op"), null=True, blank=True)
    scan = models.CharField(_("scan (opslagnaam)"), max_length=200, blank=True)
    scan_content_type = models.CharField(max_length=50, blank=True)

    class Meta:
        verbose_name = _("antwoord op verzoek om instemming")
        verbose_name_plural = _("antwoorden op verzoeken om instemming")
        ordering = ["answered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "guardian"], condition=Q(guardian__isnull=False),
                                    name="consent_answer_once_per_guardian"),
            models.UniqueConstraint(fields=["request", "pupil"], condition=Q(pupil__isnull=False),
                                    name="consent_answer_once_per_pupil"),
            models.CheckConstraint(condition=Q(guardian__isnull=True) ^ Q(pupil__isnull=True), name="consent_answer_one_party"),
            models.CheckConstraint(
                condition=Q(channel="portaal", user__isnull=False) | Q(channel="papier", recorded_by__isnull=False,
                                                                     signed_on__isnull=False),
                name="consent_answer_channel_complete"),
        ]

    def __str__(self):
        return f"{self.party_name}: {self.get_answer_display()}"

    def audit_school_id(self):
        return self.request.version.plan.student.school_id


class Reaction(models.Model):
    """A parent's (or adult pupil's) suggestion or comment on a version; the school responds (R-CONSENT-1)."""

    version = models.ForeignKey(PlanVersion, verbose_name=_("versie"), on_delete=models.PROTECT, related_name="reactions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("van"), on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(_("naam"), max_length=200)
    text = models.TextField(_("reactie"))
    created_at = models.DateTimeField(_("geplaatst op"), auto_now_add=True)
    response = models.TextField(_("reactie van de school"), blank=True)
    responded_at = models.DateTimeField(_("beantwoord op"), null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("reactie van ouders")
        verbose_name_plural = _("reacties van ouders")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.author_name} ({self.created_at:%Y-%m-%d})"

    def audit_school_id(self):
        return self.version.plan.student.school_id


class ReturnedVersion(models.Model):
    """The board sent a version back instead of adopting it (terugsturen), with its reason."""

    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="returns")
    returned_at = models.DateTimeField(_("teruggestuurd op"), auto_now_add=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("teruggestuurd door"), on_delete=models.PROTECT,
                                    related_name="+")
    reason = models.TextField(_("reden"))

    class Meta:
        verbose_name = _("teruggestuurde versie")
        verbose_name_plural = _("teruggestuurde versies")
        ordering = ["-returned_at"]

    def __str__(self):
        return f"Teruggestuurd {self.returned_at:%Y-%m-%d}"


class Bekendmaking(models.Model):
    """The day one party was told of a vaststelling or an intrekking, and how (R-GPO-2, R-GPO-7).

    The GPO's six weeks run per party from this day: parents told on paper later than others have a later
    last day. A vaststelling belongs to the adopted version, an intrekking to the plan (without a version).
    The party is a guardian (with gezag) or the adult, handelingsbekwame pupil (R-TIME-4): exactly one.
    Rows through the portal are written by the adoption service itself (recorded_by empty); the school
    records a letter, an e-mail or a conversation (opp.bekendmaking.bekendmaking_record).
    """

    class Act(models.TextChoices):
        VASTSTELLING = "vaststelling", _("Vaststelling")
        INTREKKING = "intrekking", _("Intrekking")

    class Channel(models.TextChoices):
        PORTAAL = "portaal", _("Portaal (bericht)")
        EMAIL = "email", _("E-mail")
        BRIEF = "brief", _("Brief (papier)")
        PERSOONLIJK = "persoonlijk", _("Persoonlijk overhandigd/besproken")

    plan = models.ForeignKey(Plan, verbose_name=_("OPP"), on_delete=models.PROTECT, related_name="bekendmakingen")
    act = models.CharField(_("besluit"), max_length=12, choices=Act.choices)
    version = models.ForeignKey(PlanVersion, verbose_name=_("versie"), on_delete=models.PROTECT, null=True, blank=True,
                                related_name="bekendmakingen")
    guardian = models.ForeignKey("students.Guardian", verbose_name=_("ouder/verzorger"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    pupil = models.ForeignKey(Student, verbose_name=_("leerling"), on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    party_name = models.CharField(_("naam"), max_length=200)
    channel = models.CharField(_("hoe bekendgemaakt"), max_length=12, choices=Channel.choices)
    made_known_on = models.DateField(_("bekendgemaakt op"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("vastgelegd door"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("bekendmaking")
        verbose_name_plural = _("bekendmakingen")
        ordering = ["made_known_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(guardian__isnull=True) ^ Q(pupil__isnull=True),
                                   name="bekendmaking_one_party"),
            models.CheckConstraint(
                condition=Q(act="vaststelling", version__isnull=False) | Q(act="intrekking", version__isnull=True),
                name="bekendmaking_act_subject"),
            models.UniqueConstraint(fields=["version", "guardian"], condition=Q(act="vaststelling", guardian__isnull=False),
                                    name="bekendmaking_once_per_version_guardian",
                                    violation_error_message=_("De bekendmaking aan deze ouder is al vastgelegd.")),
            models.UniqueConstraint(fields=["version", "pupil"], condition=Q(act="vaststelling", pupil__isnull=False),
                                    name="bekendmaking_once_per_version_pupil",
                                    violation_error_message=_("De bekendmaking aan de leerling is al vastgelegd.")),
            models.UniqueConstraint(fields=["plan", "guardian"], condition=Q(act="intrekking", guardian__isnull=False),
                                    name="bekendmaking_once_per_withdrawal_guardian",
                                    violation_error_message=_("De bekendmaking aan deze ouder is al vastgelegd.")),
            models.UniqueConstraint(fields=["plan", "pupil"], condition=Q(act="intrekking", pupil__isnull=False),
                                    name="bekendmaking_once_per_withdrawal_pupil",
                                    violation_error_message=_("De bekendmaking aan de leerling is al vastgelegd.")),
        ]

    def __str__(self):
        return f"{self.get_act_display()}: {self.party_name} ({self.made_known_on:%d-%m-%Y})"

    @property
    def party_kind(self) -> str:
        return "guardian" if self.guardian_id else "pupil"

    @property
    def party_id(self) -> int:
        return self.guardian_id or self.pupil_id

    def audit_school_id(self):
        return self.plan.student.school_id


class Measurement(models.Model):
    """A measured value of a lasting goal (R-CONTENT-4, R-SET-2): staff record it whenever they test, between
    evaluations and after adoption too. Not part of the handelingsdeel, so not of any consent or version hash; it
    belongs to the goal and so follows it across versions. `instrument` is the measure's instrument when it was
    recorded (opp.measures); `value` is stored normalised (measures.normalise_value)."""

    goal = models.ForeignKey(Goal, verbose_name=_("doel van het OPP"), on_delete=models.CASCADE,
                             related_name="measurements")
    measured_on = models.DateField(_("gemeten op"))
    instrument = models.CharField(_("meetinstrument"), max_length=20, choices=measures.INSTRUMENT_CHOICES)
    value = models.CharField(_("waarde"), max_length=measures.MAX_VALUE)
    note = models.TextField(_("toelichting"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("vastgelegd door"),
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("meting")
        verbose_name_plural = _("metingen")
        ordering = ["goal_id", "measured_on", "pk"]
        indexes = [models.Index(fields=["goal", "measured_on"], name="measurement_goal_day_idx")]

    def __str__(self):
        return f"{self.measured_on:%d-%m-%Y}: {self.value}"

    def audit_school_id(self):
        return self.goal.plan.student.school_id


class BankText(models.Model):
    """A standard text of the goal bank (tekstbank) of a board or of one school: a starting point for a goal, an
    approach or a factor, never filled in by itself. A text that an item was made from is never deleted (the item
    keeps its provenance, R-CONTENT-4); it is put out of use (`active`)."""

    class Kind(models.TextChoices):
        DOEL = "doel", _("Doel")
        AANPAK = "aanpak", _("Aanpak")
        FACTOR = "factor", _("Factor")

    class Area(models.TextChoices):
        TECHNISCH_LEZEN = "technisch_lezen", _("Technisch lezen")
        BEGRIJPEND_LEZEN = "begrijpend_lezen", _("Begrijpend lezen")
        SPELLING = "spelling", _("Spelling")
        REKENEN = "rekenen", _("Rekenen")
        TAAL = "taal", _("Taal en woordenschat")
        SOCIAAL_EMOTIONEEL = "sociaal_emotioneel", _("Sociaal-emotioneel")
        WERKHOUDING = "werkhouding", _("Werkhouding")
        GEDRAG = "gedrag", _("Gedrag")
        COMMUNICATIE = "communicatie", _("Communicatie")
        MOTORIEK = "motoriek", _("Motoriek")
        ZELFREDZAAMHEID = "zelfredzaamheid", _("Zelfredzaamheid")
        ARBEID = "arbeid", _("Arbeidsvaardigheden")
        OVERIG = "overig", _("Overig")

    board = models.ForeignKey("accounts.Board", verbose_name=_("bestuur"), on_delete=models.CASCADE, null=True,
                              blank=True, related_name="bank_texts")
    school = models.ForeignKey("accounts.School", verbose_name=_("school"), on_delete=models.CASCADE, null=True,
                               blank=True, related_name="bank_texts")
    kind = models.CharField(_("soort tekst"), max_length=10, choices=Kind.choices)
    area = models.CharField(_("gebied"), max_length=20, choices=Area.choices)
    # Empty: fits every onderwijssoort.
    onderwijssoort = models.CharField(_("onderwijssoort"), max_length=3, blank=True,
                                      choices=Student._meta.get_field("onderwijssoort").choices)
    title = models.CharField(_("korte naam"), max_length=120)
    text = models.TextField(_("tekst"))
    active = models.BooleanField(_("in gebruik"), default=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("aangemaakt door"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(_("laatst gewijzigd"), auto_now=True)

    class Meta:
        verbose_name = _("tekst uit de tekstbank")
        verbose_name_plural = _("tekstbank")
        ordering = ["kind", "area", "title", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(board__isnull=True) ^ Q(school__isnull=True), name="banktext_one_owner"),
        ]
        indexes = [models.Index(fields=["board", "kind", "area"], name="banktext_board_idx"),
                   models.Index(fields=["school", "kind", "area"], name="banktext_school_idx")]

    def __str__(self):
        return self.title
