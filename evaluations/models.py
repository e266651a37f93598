"""Yearly evaluations of an OPP with the parents (R-EVAL-1, 2; R-SET-2) and the (v)so commission's
evaluation and advice (R-EVAL-3). Evaluations belong to a plan and a school year, not to a version."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Trim
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from opp.models import ActionItem, Goal, Plan, PlanVersion

from . import rules

#: rules.yearly_how as database filters: the same rule, once, for the deadline counter, the plan page's
#: status and the overviews. tests/evaluations/test_counting.py holds them equal to rules on every combination.
#: A reason of only spaces is no reason (rules.has_text), hence the Trim.
WITH_PARENTS = Q(parents_present=True)
INVITED_NOT_CAME = (Q(parents_present=False, parents_invited_on__isnull=False)
                    & ~Q(Exact(Trim("parents_absence_reason"), "")))
COUNTS_AS_YEARLY = WITH_PARENTS | INVITED_NOT_CAME


class EvaluationQuerySet(models.QuerySet):
    def counting(self):
        """Evaluations that count as the yearly evaluation with the parents (R-EVAL-1; rules.counts_as_yearly)."""
        return self.filter(COUNTS_AS_YEARLY)


class Evaluation(models.Model):
    class Decision(models.TextChoices):
        VOORTZETTEN = "voortzetten", _("Voortzetten")
        BIJSTELLEN = "bijstellen", _("Bijstellen (nieuwe versie)")
        BEEINDIGEN = "beeindigen", _("Beëindigen: geen extra ondersteuning meer nodig")

    plan = models.ForeignKey(Plan, verbose_name=_("OPP"), on_delete=models.PROTECT, related_name="evaluations")
    version = models.ForeignKey(PlanVersion, verbose_name=_("geëvalueerde versie"), on_delete=models.PROTECT,
                                related_name="evaluations")
    school_year = models.CharField(_("schooljaar"), max_length=9, db_index=True)  # "2026-2027"
    held_on = models.DateField(_("datum"))
    parents_present = models.BooleanField(_("ouders/verzorgers aanwezig"), default=True)
    # Without the parents the evaluation counts only when they were invited and the reason they did not come
    # is recorded (R-EVAL-1, rules.counts_as_yearly). Empty when the parents took part.
    parents_invited_on = models.DateField(_("ouders uitgenodigd op"), null=True, blank=True)
    parents_absence_reason = models.TextField(_("waarom de ouders er niet bij waren"), blank=True)
    pupil_present = models.BooleanField(_("leerling aanwezig"), default=False)
    others_present = models.CharField(_("andere aanwezigen"), max_length=300, blank=True)
    pupil_view = models.TextField(_("mening van de leerling (hoorrecht)"), blank=True)
    conclusion = models.TextField(_("conclusie"))
    decision = models.CharField(_("besluit"), max_length=12, choices=Decision.choices)
    end_reason = models.TextField(_("reden van beëindigen"), blank=True)
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("vastgelegd door"), on_delete=models.PROTECT,
                                   related_name="+")

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluatie")
        verbose_name_plural = _("evaluaties")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(decision="beeindigen") | ~Q(end_reason=""),
                                   name="evaluation_end_has_reason"),
        ]
        indexes = [models.Index(fields=["plan", "school_year"], name="evaluation_plan_year_idx")]

    def __str__(self):
        return f"Evaluatie {self.held_on:%d-%m-%Y} ({self.get_decision_display()})"

    def audit_school_id(self):
        return self.plan.student.school_id

    @property
    def yearly_how(self) -> rules.YearlyHow:
        return rules.yearly_how(parents_present=self.parents_present, parents_invited_on=self.parents_invited_on,
                                parents_absence_reason=self.parents_absence_reason)

    @property
    def counts_as_yearly(self) -> bool:
        """R-EVAL-1, for the templates."""
        return rules.counts_as_yearly(parents_present=self.parents_present, parents_invited_on=self.parents_invited_on,
                                      parents_absence_reason=self.parents_absence_reason)


class ItemProgressQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.fill_goal()
        return super().bulk_create(objs, *args, **kwargs)


class ItemProgress(models.Model):
    """The outcome of one handelingsdeel item at an evaluation. `goal` is that item's lasting goal (opp.models.Goal),
    filled from the item, so an evaluation's outcome can be followed per goal across versions."""

    objects = ItemProgressQuerySet.as_manager()

    class Progress(models.TextChoices):
        BEHAALD = "behaald", _("Behaald")
        DEELS = "deels", _("Deels behaald")
        NIET = "niet", _("Niet behaald")
        NVT = "nvt", _("Niet meer van toepassing")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="progress")
    action = models.ForeignKey(ActionItem, verbose_name=_("onderdeel van het handelingsdeel"), on_delete=models.PROTECT,
                               related_name="+")
    goal = models.ForeignKey(Goal, verbose_name=_("doel van het OPP"), on_delete=models.PROTECT, related_name="progress")
    progress = models.CharField(_("voortgang"), max_length=8, choices=Progress.choices)
    note = models.TextField(_("toelichting"), blank=True)
    # Pre-filled from the goal's measurements (opp.measures.outcome, R-SET-2); empty when they tell nothing. Staff
    # confirm it or choose otherwise, and then say why.
    suggested = models.CharField(_("voorgesteld op grond van de metingen"), max_length=8, blank=True,
                                 choices=Progress.choices)
    override_reason = models.TextField(_("waarom anders dan de metingen"), blank=True)

    class Meta:
        verbose_name = _("voortgang per onderdeel")
        verbose_name_plural = _("voortgang per onderdeel")
        ordering = ["evaluation_id", "action__position"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "action"], name="progress_once_per_item"),
            models.CheckConstraint(
                condition=Q(suggested="") | Q(progress=models.F("suggested")) | ~Q(override_reason=""),
                name="progress_override_has_reason"),
        ]

    def __str__(self):
        return f"{self.action_id}: {self.get_progress_display()}"

    def fill_goal(self) -> None:
        if self.action_id is not None:
            self.goal_id = self.action.plan_goal_id

    def save(self, *args, **kwargs):
        self.fill_goal()
        super().save(*args, **kwargs)


class EvaluationReaction(models.Model):
    """The parents' (or adult pupil's) reaction to an evaluation, from the portal."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="reactions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(_("naam"), max_length=200)
    text = models.TextField(_("reactie"))
    created_at = models.DateTimeField(_("geplaatst op"), auto_now_add=True)

    class Meta:
        verbose_name = _("reactie op evaluatie")
        verbose_name_plural = _("reacties op evaluaties")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.author_name} ({self.created_at:%Y-%m-%d})"


class CommissionEvaluation(models.Model):
    """(v)so: the commission's yearly evaluation, its report to the board and its advice (R-EVAL-3)."""

    class Advice(models.TextChoices):
        GEEN = "geen", _("Geen wijziging nodig")
        BIJSTELLING = "bijstelling", _("Bijstelling van het OPP")
        # One value per destination: which fits the pupil's onderwijssoort is evaluations.rules.advice_fits (R-EVAL-3).
        TERUGPLAATSING = "terugplaatsing", _("Terugplaatsing naar het regulier of speciaal basisonderwijs")
        TERUGPLAATSING_VO = "terugplaatsing_vo", _("Terugplaatsing naar het regulier voortgezet onderwijs (vo)")

    plan = models.ForeignKey(Plan, verbose_name=_("OPP"), on_delete=models.PROTECT, related_name="commission_evaluations")
    school_year = models.CharField(_("schooljaar"), max_length=9, db_index=True)
    held_on = models.DateField(_("datum"))
    evaluation = models.TextField(_("evaluatie van de commissie"))
    report = models.TextField(_("verslag aan het bestuur"))
    advice = models.CharField(_("advies"), max_length=20, choices=Advice.choices)
    advice_text = models.TextField(_("toelichting op het advies"), blank=True)
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("vastgelegd door"), on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("evaluatie door de commissie")
        verbose_name_plural = _("evaluaties door de commissie")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"Commissie {self.held_on:%d-%m-%Y} ({self.get_advice_display()})"

    def audit_school_id(self):
        return self.plan.student.school_id
