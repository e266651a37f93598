"""GPO dispute files (R-GPO-1..7): the case, its documents, the defence dossier export."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import School
from opp.models import Plan, PlanVersion


class Dispute(models.Model):
    class Subject(models.TextChoices):
        VASTSTELLING = "vaststelling", _("Vaststelling van het OPP")
        BIJSTELLING = "bijstelling", _("Bijstelling van het OPP")
        ANDERS = "anders", _("Anders (bijvoorbeeld verwijdering met een OPP als grondslag)")

    class State(models.TextChoices):
        INGEDIEND = "ingediend", _("Ingediend")
        VERWEER_GEVRAAGD = "verweer_gevraagd", _("Verweer gevraagd")
        VERWEER_INGEDIEND = "verweer_ingediend", _("Verweer ingediend")
        ZITTING = "zitting", _("Zitting")
        ADVIES_ONTVANGEN = "advies_ontvangen", _("Advies ontvangen")
        REACTIE_VERZONDEN = "reactie_verzonden", _("Reactie bestuur verzonden")
        GESLOTEN = "gesloten", _("Gesloten")

    class Advice(models.TextChoices):
        GEGROND = "gegrond", _("Gegrond")
        DEELS = "deels_gegrond", _("Deels gegrond")
        ONGEGROND = "ongegrond", _("Ongegrond")
        NIET_ONTVANKELIJK = "niet_ontvankelijk", _("Niet-ontvankelijk")

    class Response(models.TextChoices):
        VOLGT = "volgt", _("Het bestuur volgt het advies")
        DEELS = "deels", _("Het bestuur volgt het advies gedeeltelijk")
        VOLGT_NIET = "volgt_niet", _("Het bestuur volgt het advies niet")

    plan = models.ForeignKey(Plan, verbose_name=_("OPP"), on_delete=models.PROTECT, related_name="disputes")
    version = models.ForeignKey(PlanVersion, verbose_name=_("betwiste versie"), on_delete=models.PROTECT,
                                related_name="disputes")
    subject = models.CharField(_("onderwerp"), max_length=12, choices=Subject.choices)
    subject_other = models.CharField(_("omschrijving (bij anders)"), max_length=300, blank=True)
    reference = models.CharField(_("zaaknummer van de commissie"), max_length=40, blank=True)
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.INGEDIEND)
    made_known_on = models.DateField(_("OPP bekendgemaakt op"), null=True, blank=True)
    filed_on = models.DateField(_("ingediend op"))
    late_reasons = models.TextField(_("redenen voor te late indiening"), blank=True)
    received_on = models.DateField(_("ontvangen door de commissie / verweer gevraagd op"), null=True, blank=True)
    defence_submitted_on = models.DateField(_("verweer ingediend op"), null=True, blank=True)
    hearing_on = models.DateField(_("datum zitting"), null=True, blank=True)
    advice = models.CharField(_("advies"), max_length=20, choices=Advice.choices, blank=True)
    advice_on = models.DateField(_("datum advies"), null=True, blank=True)
    advice_recommendations = models.TextField(_("aanbevelingen"), blank=True)
    response = models.CharField(_("reactie van het bestuur"), max_length=12, choices=Response.choices, blank=True)
    response_reasons = models.TextField(_("redenen"), blank=True)
    response_sent_parents_on = models.DateField(_("reactie verzonden aan de ouders op"), null=True, blank=True)
    response_sent_commission_on = models.DateField(_("reactie verzonden aan de commissie op"), null=True, blank=True)
    closed_on = models.DateField(_("gesloten op"), null=True, blank=True)
    created_at = models.DateTimeField(_("geregistreerd op"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("geregistreerd door"), on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("geschil")
        verbose_name_plural = _("geschillen")
        ordering = ["-filed_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(received_on__isnull=True) | Q(received_on__gte=F("filed_on")),
                                   name="dispute_received_after_filed"),
            models.CheckConstraint(
                condition=Q(defence_submitted_on__isnull=True) | Q(received_on__isnull=False, defence_submitted_on__gte=F("received_on")),
                name="dispute_defence_after_request"),
            models.CheckConstraint(condition=Q(advice_on__isnull=True) | Q(advice_on__gte=F("filed_on")),
                                   name="dispute_advice_after_filed"),
            models.CheckConstraint(
                condition=~Q(response="volgt_niet") | ~Q(response_reasons=""), name="dispute_reasons_if_not_followed"),
            models.CheckConstraint(
                condition=~Q(state="gesloten") | Q(response_sent_parents_on__isnull=False, response_sent_commission_on__isnull=False),
                name="dispute_closed_after_both_sent"),
        ]

    def __str__(self):
        return f"Geschil {self.filed_on:%d-%m-%Y} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state != self.State.GESLOTEN

    def audit_school_id(self):
        return self.plan.student.school_id


class DisputeDocument(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("omschrijving"), max_length=200)
    stored_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("geüpload op"), auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("document bij een geschil")
        verbose_name_plural = _("documenten bij geschillen")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.title

    def audit_school_id(self):
        return self.dispute.plan.student.school_id


class SchoolDocument(models.Model):
    """The school's SOP and its SWV's ondersteuningsplan, uploaded per school for the defence (R-GPO-3)."""

    class Kind(models.TextChoices):
        SOP = "sop", _("Schoolondersteuningsprofiel (SOP)")
        ONDERSTEUNINGSPLAN = "ondersteuningsplan", _("Ondersteuningsplan van het samenwerkingsverband")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    stored_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("geüpload op"), auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("schooldocument")
        verbose_name_plural = _("schooldocumenten")
        ordering = ["school_id", "kind", "-uploaded_at"]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.school}"


class DossierExport(models.Model):
    """The defence bundle as one PDF, rendered by a worker; the page shows its progress."""

    class State(models.TextChoices):
        WACHT = "wacht", _("Wacht op verwerking")
        BEZIG = "bezig", _("Wordt gemaakt")
        KLAAR = "klaar", _("Klaar")
        MISLUKT = "mislukt", _("Mislukt")

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="exports")
    state = models.CharField(max_length=8, choices=State.choices, default=State.WACHT)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=200, blank=True)
    stored_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"Dossier {self.dispute_id} ({self.state}, {self.progress}%)"
