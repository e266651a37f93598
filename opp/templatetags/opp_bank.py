"""The editor's marks on item fields that came from the goal bank (opp.bank, R-CONTENT-4)."""

from django import template

from opp import bank

register = template.Library()

_PARTS = {text_f: (id_f, orig_f) for parts in bank.PROVENANCE.values() for text_f, id_f, orig_f, _k in parts}


@register.simple_tag
def bank_state(form, name: str) -> str:
    """"unchanged" for a field that holds a bank text as inserted, "changed" for one started from the bank and made
    the user's own, "" otherwise. `form` is an item row of the editor (bound or not)."""
    if name not in _PARTS or name not in form.fields:
        return ""
    id_f, orig_f = _PARTS[name]
    if id_f not in form.fields or not form[id_f].value():
        return ""
    return "unchanged" if bank.field_unchanged(form[name].value(), form[id_f].value(), form[orig_f].value()) else "changed"
