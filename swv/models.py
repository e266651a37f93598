"""The samenwerkingsverband (SWV): admission decisions (TLV, commissie van onderzoek), the SWV's request lead time,
and requests to the SWV with their attachments and the parents' reactions.

The rules these models keep live in swv.rules (pure functions); the forms and services call them, clean() repeats
the ones a row can check alone, and the database refuses what must never be stored.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Onderwijssoort, Samenwerkingsverband
from evaluations.models import Evaluation
from opp.models import PlanVersion
from students.models import Student

from . import rules


class LeadTime(models.Model):
    """How long before a TLV ends the SWV wants the request for a new one or an extension (swv.rules.request_due_on).

    One per samenwerkingsverband; without a row the default of OPP_TLV_LEAD_WEEKS weeks applies.
    """

    class Rule(models.TextChoices):
        VASTE_DATUM = rules.LEAD_FIXED_DATE, _("Vóór een vaste datum (bijvoorbeeld 15 april)")
        WEKEN = rules.LEAD_WEEKS, _("Een aantal weken vóór de einddatum")

    samenwerkingsverband = models.OneToOneField(Samenwerkingsverband, verbose_name=_("samenwerkingsverband"),
                                                on_delete=models.CASCADE, related_name="tlv_lead_time")
    rule = models.CharField(_("termijn"), max_length=12, choices=Rule.choices, default=Rule.WEKEN)
    day = models.PositiveSmallIntegerField(_("dag"), null=True, blank=True)
    month = models.PositiveSmallIntegerField(_("maand"), null=True, blank=True)
    weeks = models.PositiveSmallIntegerField(_("aantal weken"), null=True, blank=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        verbose_name = _("aanvraagtermijn van het samenwerkingsverband")
        verbose_name_plural = _("aanvraagtermijnen van samenwerkingsverbanden")
        constraints = [
            models.CheckConstraint(
                condition=Q(rule=rules.LEAD_FIXED_DATE, day__isnull=False, month__isnull=False, day__gte=1,
                            day__lte=31, month__gte=1, month__lte=12)
                | Q(rule=rules.LEAD_WEEKS, weeks__isnull=False, weeks__gte=1, weeks__lte=rules.MAX_LEAD_WEEKS),
                name="swv_lead_time_filled"),
        ]

    def __str__(self):
        return f"{self.samenwerkingsverband}: {rules.lead_time_text(self.as_rule())}"

    def as_rule(self) -> rules.Lead:
        return rules.Lead(rule=self.rule, day=self.day, month=self.month, weeks=self.weeks)

    def clean(self):
        errors = rules.lead_time_errors(self.rule, day=self.day, month=self.month, weeks=self.weeks)
        if errors:
            raise ValidationError(errors)


class Category(models.TextChoices):
    """The TLV's category (bekostigingscategorie) for so/vso; sbo and pro have none (swv.rules.category_error)."""

    LAAG = "laag", _("Laag")
    MIDDEN = "midden", _("Midden")
    HOOG = "hoog", _("Hoog")


class AdmissionDecision(models.Model):
    """The pupil's admission decision: the SWV's toelaatbaarheidsverklaring (TLV) or, for cluster 1–2, the
    commissie van onderzoek's decision. History is kept: a decision recorded by mistake is withdrawn, never deleted."""

    class Kind(models.TextChoices):
        TLV = rules.KIND_TLV, _("Toelaatbaarheidsverklaring (TLV) van het samenwerkingsverband")
        CVO = rules.KIND_CVO, _("Besluit van de commissie van onderzoek (cluster 1–2)")

    student = models.ForeignKey(Student, verbose_name=_("leerling"), on_delete=models.PROTECT,
                                related_name="admission_decisions")
    kind = models.CharField(_("soort besluit"), max_length=3, choices=Kind.choices, default=Kind.TLV)
    samenwerkingsverband = models.ForeignKey(Samenwerkingsverband, verbose_name=_("samenwerkingsverband"),
                                             on_delete=models.PROTECT, null=True, blank=True,
                                             related_name="admission_decisions")
    decision_number = models.CharField(_("nummer van het besluit"), max_length=40, blank=True)
    decided_on = models.DateField(_("datum van het besluit"))
    onderwijssoort = models.CharField(_("onderwijssoort"), max_length=3, choices=Onderwijssoort.choices)
    category = models.CharField(_("categorie"), max_length=6, choices=Category.choices, blank=True)
    starts_on = models.DateField(_("ingangsdatum"))
    ends_on = models.DateField(_("einddatum"), null=True, blank=True, help_text=_("Leeg: onbepaald."))
    based_on_version = models.ForeignKey(PlanVersion, verbose_name=_("gebaseerd op OPP-versie"),
                                         on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The decision document, stored as every upload (opp_portal.uploads); optional when recording, shown as missing.
    stored_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=50, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("vastgelegd door"),
                                    on_delete=models.PROTECT, related_name="+")
    # Set when a request's decision by the SWV was recorded as this decision (point 3 of the SWV feature).
    # SET_NULL both ways (here and SwvRequest.extends): the two point at each other, and when the pupil's file is
    # erased (retention) one of them has to go first.
    request = models.ForeignKey("SwvRequest", verbose_name=_("aanvraag"), on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="admission_decisions")
    withdrawn_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ingetrokken door"),
                                     on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    withdrawn_reason = models.TextField(_("reden van intrekken"), blank=True)

    class Meta:
        verbose_name = _("toelatingsbesluit")
        verbose_name_plural = _("toelatingsbesluiten")
        ordering = ["-starts_on", "-decided_on", "-pk"]
        indexes = [models.Index(fields=["student", "ends_on"], name="swv_decision_student_end_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                                   name="swv_decision_ends_after_start"),
            models.CheckConstraint(
                condition=Q(kind=rules.KIND_TLV, samenwerkingsverband__isnull=False)
                | Q(kind=rules.KIND_CVO, samenwerkingsverband__isnull=True),
                name="swv_decision_swv_only_for_tlv"),
            models.CheckConstraint(condition=Q(category="") | Q(onderwijssoort__in=sorted(rules.CATEGORY_SOORTEN)),
                                   name="swv_decision_category_only_so_vso"),
            models.CheckConstraint(condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawn_reason=""),
                                   name="swv_decision_withdrawn_with_reason"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.decision_number}".strip()

    def audit_school_id(self):
        return self.student.school_id

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def has_document(self) -> bool:
        return bool(self.stored_name)

    def clean(self):
        errors = rules.decision_errors(kind=self.kind, swv_id=self.samenwerkingsverband_id, number=self.decision_number,
                                       onderwijssoort=self.onderwijssoort, category=self.category,
                                       starts_on=self.starts_on, ends_on=self.ends_on)
        if errors:
            raise ValidationError(errors)


class SwvRequest(models.Model):
    """A request to the SWV (a TLV, an extension, an arrangement), composed from the OPP, told to the parents, handed
    in through the SWV's own channel (the portal never sends it) and decided by the SWV."""

    class Kind(models.TextChoices):
        TLV = "tlv", _("Toelaatbaarheidsverklaring (TLV)")
        VERLENGING = "verlenging", _("Verlenging van de TLV")
        ARRANGEMENT = "arrangement", _("Arrangement")

    class State(models.TextChoices):
        CONCEPT = "concept", _("Concept")
        BIJ_OUDERS = "bij_ouders", _("Bij de ouders (kunnen reageren)")
        KLAAR = "klaar", _("Klaar om in te dienen")
        INGEDIEND = "ingediend", _("Ingediend bij het samenwerkingsverband")
        TOEGEKEND = "toegekend", _("Toegekend")
        AFGEWEZEN = "afgewezen", _("Afgewezen")
        INGETROKKEN = "ingetrokken", _("Ingetrokken")

    class Channel(models.TextChoices):
        KINDKANS = "kindkans", _("Kindkans")
        TOP_DOSSIER = "top_dossier", _("TOP Dossier")
        ONDERWIJS_TRANSPARANT = "onderwijs_transparant", _("Onderwijs Transparant")
        BEVEILIGDE_MAIL = "beveiligde_mail", _("Beveiligde e-mail van het samenwerkingsverband")
        ANDERS = "anders", _("Anders")

    student = models.ForeignKey(Student, verbose_name=_("leerling"), on_delete=models.PROTECT,
                                related_name="swv_requests")
    kind = models.CharField(_("soort aanvraag"), max_length=12, choices=Kind.choices)
    state = models.CharField(_("status"), max_length=12, choices=State.choices, default=State.CONCEPT)
    samenwerkingsverband = models.ForeignKey(Samenwerkingsverband, verbose_name=_("samenwerkingsverband"),
                                             on_delete=models.PROTECT, related_name="requests")
    # For an extension: the TLV it extends (swv.rules and the deadline "TLV verloopt" read it).
    extends = models.ForeignKey(AdmissionDecision, verbose_name=_("verlenging van"), on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="extension_requests")
    version = models.ForeignKey(PlanVersion, verbose_name=_("OPP-versie"), on_delete=models.PROTECT, null=True,
                                blank=True, related_name="swv_requests")
    evaluation = models.ForeignKey(Evaluation, verbose_name=_("evaluatie"), on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="swv_requests")
    share_factors = models.BooleanField(_("belemmerende en bevorderende factoren meesturen"), default=True)
    share_pupil_view = models.BooleanField(_("mening van de leerling meesturen"), default=True)
    note = models.TextField(_("toelichting van de school"), blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("aangemaakt door"),
                                   on_delete=models.PROTECT, related_name="+")
    parents_informed_at = models.DateTimeField(_("ouders geïnformeerd op"), null=True, blank=True)
    handed_in_at = models.DateTimeField(_("ingediend op"), null=True, blank=True)
    handed_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ingediend door"),
                                     on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    channel = models.CharField(_("ingediend via"), max_length=24, choices=Channel.choices, blank=True)
    channel_detail = models.CharField(_("toelichting bij het kanaal"), max_length=200, blank=True)
    package_sha256 = models.CharField(_("SHA-256 van het pakket"), max_length=64, blank=True)
    decided_on = models.DateField(_("besluit van het samenwerkingsverband op"), null=True, blank=True)
    decision_note = models.TextField(_("toelichting bij het besluit"), blank=True)
    # The package (swv.package), made once when the request is marked "klaar" and kept, so that the same file can be
    # downloaded again and its hash (package_sha256) stays true.
    package_name = models.CharField(max_length=200, blank=True)
    package_json_name = models.CharField(max_length=200, blank=True)
    package_pdfa = models.BooleanField(_("pakket is PDF/A"), default=False)
    package_made_at = models.DateTimeField(_("pakket gemaakt op"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reden van intrekken"), blank=True)

    class Meta:
        verbose_name = _("aanvraag bij het samenwerkingsverband")
        verbose_name_plural = _("aanvragen bij het samenwerkingsverband")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["student", "state"], name="swv_request_student_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["ingediend", "toegekend", "afgewezen"]) | Q(handed_in_at__isnull=False),
                name="swv_request_handed_in_has_date"),
            models.CheckConstraint(condition=~Q(state__in=["toegekend", "afgewezen"]) | Q(decided_on__isnull=False),
                                   name="swv_request_decided_has_date"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    def audit_school_id(self):
        return self.student.school_id


class SwvRequestAttachment(models.Model):
    request = models.ForeignKey(SwvRequest, on_delete=models.PROTECT, related_name="attachments")
    title = models.CharField(_("omschrijving"), max_length=200)
    stored_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("geüpload op"), auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("bijlage bij een aanvraag")
        verbose_name_plural = _("bijlagen bij aanvragen")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.title

    def audit_school_id(self):
        return self.request.student.school_id


class SwvRequestReaction(models.Model):
    """The parents' (or the adult pupil's, R-TIME-4) view of a request, sent along with it."""

    request = models.ForeignKey(SwvRequest, on_delete=models.PROTECT, related_name="reactions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("auteur"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="+")
    author_name = models.CharField(_("naam"), max_length=200)
    text = models.TextField(_("reactie"))
    created_at = models.DateTimeField(_("geplaatst op"), auto_now_add=True)

    class Meta:
        verbose_name = _("reactie op een aanvraag")
        verbose_name_plural = _("reacties op aanvragen")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.author_name}: {self.text[:40]}"

    def audit_school_id(self):
        return self.request.student.school_id
