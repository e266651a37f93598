"""Screens of the goal bank (tekstbank, opp.bank): the list with its filters, adding and changing a text, putting it out
of use, CSV export and import (a dry run first), and the schoolleider's grants. Short views: selector → form → service
→ redirect. Only for users who manage a bank (Cap.TEXTBANK_MANAGE); everyone else gets 403. Inserting a text in the
editor is opp.views._bank_insert."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts import access
from accounts.access import forbidden
from accounts.models import Onderwijssoort
from audit import log as audit
from opp_portal import uploads
from opp_portal.forms import ServiceErrors

from . import bank
from .models import BankText

# --- Forms ------------------------------------------------------------------------------------------------------------


def _owner_field(owners: list[bank.Owner]) -> forms.ChoiceField:
    return forms.ChoiceField(label=gettext_lazy("Tekstbank van"), choices=[(o.key, o.label) for o in owners],
                             error_messages={"invalid_choice": gettext_lazy("Kies een tekstbank die u beheert.")})


class BankTextForm(forms.ModelForm):
    class Meta:
        model = BankText
        fields = ["kind", "area", "onderwijssoort", "title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"onderwijssoort": gettext_lazy("Leeg: de tekst past bij elke onderwijssoort."),
                      "title": gettext_lazy("Zo kiest een collega de tekst in de editor."),
                      "text": gettext_lazy("Schrijf een begin dat een collega voor één leerling specifiek maakt.")}

    def __init__(self, *args, owners: list[bank.Owner] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["onderwijssoort"].choices = [("", _("Alle onderwijssoorten")), *Onderwijssoort.choices]
        self.fields["text"].max_length = bank.MAX_TEXT
        self.fields["text"].widget.attrs["maxlength"] = bank.MAX_TEXT
        if owners:
            self.fields["owner"] = _owner_field(owners)
            self.order_fields(["owner"])


class FilterForm(forms.Form):
    soort = forms.ChoiceField(label=gettext_lazy("Soort"), required=False,
                              choices=[("", gettext_lazy("Alle soorten")), *BankText.Kind.choices])
    gebied = forms.ChoiceField(label=gettext_lazy("Gebied"), required=False,
                               choices=[("", gettext_lazy("Alle gebieden")), *BankText.Area.choices])
    onderwijssoort = forms.ChoiceField(
        label=gettext_lazy("Onderwijssoort"), required=False,
        choices=[("", gettext_lazy("Alle")), ("alle", gettext_lazy("Voor alle onderwijssoorten")),
                 *Onderwijssoort.choices])
    q = forms.CharField(label=gettext_lazy("Zoeken in naam en tekst"), required=False, max_length=100)
    in_gebruik = forms.ChoiceField(label=gettext_lazy("In gebruik"), required=False,
                                   choices=[("", gettext_lazy("Alle")), ("ja", gettext_lazy("In gebruik")),
                                            ("nee", gettext_lazy("Buiten gebruik"))])

    def __init__(self, *args, owners: list[bank.Owner] = (), **kwargs):
        super().__init__(*args, **kwargs)
        if len(owners) > 1:
            self.fields["eigenaar"] = forms.ChoiceField(
                label=gettext_lazy("Tekstbank"), required=False,
                choices=[("", gettext_lazy("Alle")), *((o.key, o.label) for o in owners)])

    def values(self) -> dict:
        """The valid filters (an invalid one is left out, never an error page)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"kind": data.get("soort", ""), "area": data.get("gebied", ""), "soort": data.get("onderwijssoort", ""),
                "query": (data.get("q") or "").strip(), "owner": data.get("eigenaar", ""),
                "active": data.get("in_gebruik", "")}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV-bestand"),
        help_text=gettext_lazy("Kolommen: soort;gebied;onderwijssoort;korte_naam;tekst (zoals de export)."))

    def __init__(self, *args, owners: list[bank.Owner] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _owner_field(owners)
        self.order_fields(["owner"])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        return bank.read_upload(upload)  # the upload checks (opp_portal.uploads); ValidationError on the field


class ConfirmImportForm(forms.Form):
    csv_text = forms.CharField(widget=forms.HiddenInput, strip=False, max_length=bank.MAX_IMPORT_BYTES)

    def __init__(self, *args, owners: list[bank.Owner] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _owner_field(owners)
        self.fields["owner"].widget = forms.HiddenInput()


# --- Views ------------------------------------------------------------------------------------------------------------


def _owners(user) -> list[bank.Owner]:
    """The banks the user manages; 403 for anyone who manages none."""
    owners = bank.owners_of(user)
    if not owners:
        raise forbidden()
    return owners


@login_required
@require_GET
def bank_list(request):
    owners = _owners(request.user)
    form = FilterForm(request.GET, owners=owners)
    qs = bank.filtered(bank.managed_texts(request.user).select_related("board", "school"), **form.values())
    page = Paginator(qs, bank.PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(request, "opp/bank/list.html", {
        "form": form, "page": page, "owners": owners, "querystring": query.urlencode(),
        "may_grant": bool(access.textbank_grant_schools(request.user)),
    })


@login_required
def bank_add(request):
    owners = _owners(request.user)
    form = BankTextForm(request.POST or None, owners=owners, initial={"owner": owners[0].key})
    if request.method == "POST" and form.is_valid():
        owner = bank.owner_for(request.user, form.cleaned_data["owner"])
        with ServiceErrors(form) as outcome:
            bank.text_save(actor=request.user, owner=owner,
                           data={f: form.cleaned_data[f] for f in bank.TEXT_FIELDS})
        if outcome.ok:
            messages.success(request, _("De tekst is toegevoegd aan de tekstbank."))
            return redirect("opp:bank_list")
    return render(request, "opp/bank/form.html", {"form": form, "text": None})


@login_required
def bank_edit(request, pk):
    text = bank.text_for_manager(request.user, pk)
    form = BankTextForm(request.POST or None, instance=BankText.objects.get(pk=text.pk))
    if request.method == "POST" and form.is_valid():
        with ServiceErrors(form) as outcome:
            bank.text_save(actor=request.user, owner=bank.owner_of_text(text), text=text,
                           data={f: form.cleaned_data[f] for f in bank.TEXT_FIELDS})
        if outcome.ok:
            messages.success(request, _("De tekst is gewijzigd. Onderdelen van een OPP die ermee begonnen, houden de "
                                        "tekst zoals hij toen was."))
            return redirect("opp:bank_list")
    return render(request, "opp/bank/form.html", {"form": form, "text": text, "owner": bank.owner_of_text(text)})


@login_required
@require_POST
def bank_toggle(request, pk):
    text = bank.text_for_manager(request.user, pk)
    active = request.POST.get("in_gebruik") == "ja"
    with ServiceErrors(request=request) as outcome:
        bank.text_set_active(actor=request.user, text=text, active=active)
    if outcome.ok:
        messages.success(request, (_("‘%(title)s’ is weer in gebruik.") if active else
                                   _("‘%(title)s’ is buiten gebruik gezet: niemand kan hem nog invoegen. Onderdelen die "
                                     "ermee begonnen, houden hem.")) % {"title": text.title})
    back = request.POST.get("terug", "")
    # Back to the list as the user filtered it; only a query string of this page, never another address.
    query = QueryDict(back[1:]).urlencode() if back.startswith("?") else ""
    return redirect(reverse("opp:bank_list") + (f"?{query}" if query else ""))


@login_required
@require_GET
def bank_export(request):
    owners = _owners(request.user)
    form = FilterForm(request.GET, owners=owners)
    texts = list(bank.filtered(bank.managed_texts(request.user), **form.values()))
    audit.record(request.user, audit.Action.EXPORT, None,
                 school=owners[0].school_id if len(owners) == 1 else None,
                 details={"object": "opp.banktext", "rows": len(texts), "filters": form.values()})
    name = f"tekstbank-{timezone.localdate():%Y-%m-%d}.csv"
    return uploads.attachment(bank.export_csv(texts).encode("utf-8"), "text/csv; charset=utf-8", name)


@login_required
def bank_import(request):
    """Step 1: upload → the dry run (every row checked, what would be added and skipped). Step 2 (`bevestigen`): the same
    text posted back, checked again and applied all or nothing."""
    owners = _owners(request.user)
    if request.method == "POST" and "bevestigen" in request.POST:
        confirm = ConfirmImportForm(request.POST, owners=owners)
        if confirm.is_valid():
            owner = bank.owner_for(request.user, confirm.cleaned_data["owner"])
            with ServiceErrors(request=request) as outcome:
                result = bank.import_apply(actor=request.user, owner=owner, text=confirm.cleaned_data["csv_text"])
            if outcome.ok:
                messages.success(request, _("Geïmporteerd: %(added)s nieuwe tekst(en); %(skipped)s stond(en) er al en "
                                            "zijn overgeslagen.") % {"added": len(result.new), "skipped": result.duplicates})
                return redirect("opp:bank_list")
        messages.error(request, _("Er is niets geïmporteerd. Kies het bestand opnieuw."))
        return render(request, "opp/bank/import.html", {"form": ImportForm(owners=owners)})
    form = ImportForm(request.POST or None, request.FILES or None, owners=owners,
                      initial={"owner": owners[0].key})
    if request.method == "POST" and form.is_valid():
        owner = bank.owner_for(request.user, form.cleaned_data["owner"])
        plan = bank.plan_import(owner=owner, text=form.cleaned_data["file"])
        confirm = ConfirmImportForm(owners=owners, initial={"owner": owner.key, "csv_text": form.cleaned_data["file"]})
        return render(request, "opp/bank/import.html", {"form": form, "plan": plan, "owner": owner,
                                                        "confirm": confirm})
    return render(request, "opp/bank/import.html", {"form": form})


@login_required
@require_GET
def bank_grants(request):
    """The schoolleider's page: which staff of the school may manage the school's bank."""
    if not access.textbank_grant_schools(request.user):
        raise forbidden()
    memberships = list(bank.grantable_memberships(request.user))
    return render(request, "opp/bank/grants.html", {"memberships": memberships})


@login_required
@require_POST
def bank_grant(request, pk):
    membership = bank.grantable_membership(request.user, pk)
    granted = request.POST.get("toestemming") == "ja"
    with ServiceErrors(request=request) as outcome:
        bank.grant_set(actor=request.user, membership=membership, granted=granted)
    if outcome.ok:
        messages.success(request, (_("%(name)s mag nu de tekstbank van %(school)s beheren.") if granted else
                                   _("%(name)s mag de tekstbank van %(school)s niet meer beheren."))
                         % {"name": membership.user, "school": membership.school.name})
    return redirect("opp:bank_grants")

