"""opp.templatetags.opp_fields renders exactly what django-crispy-forms renders (the editor's pages must not change by
a byte when the fields are rendered in Python): every editor section form and item formset, unbound and stored, bound
with valid and invalid input, plus the widgets it leaves to crispy."""

from __future__ import annotations

import datetime

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms
from django.template import Context, Template

from opp.forms import ITEM_FORMS, SCALAR_FORMS
from opp.templatetags.opp_fields import opp_field, opp_form, opp_widget
from students.models import Student

STUDENT = Student(onderwijssoort="vso")  # the vso forms offer every uitstroom choice and the LDGM lists

TEXTS = {"text": "Leest <graag> & \"vaak\"\n  met   spaties   >   <", "goal": "Doel met > en < tekens",
         "approach": "Aanpak", "who": "Leerkracht", "frequency": "Dagelijks", "evaluation_moment": "Na 6 weken",
         "evaluation_criterion": "AVI E4", "expectation": "1F", "measure_instrument": "avi", "measure_baseline": "M4",
         "measure_target": "E5", "measure_baseline_on": "2026-09-01", "measure_target_on": "not a date"}


def pairs(make):
    """(crispy, opp_fields) renderings of every field of two identical forms made by `make`, and of the whole forms."""
    a, b = make(), make()
    for name in a.fields:
        yield name, as_crispy_field(a[name]), opp_field(b[name])


def scalar_data(key, form_class, *, valid=True):
    form = form_class(student=STUDENT, prefix=key)
    data = {f"{key}-revision": "3" if valid else "x"}
    for name, field in form.fields.items():
        if isinstance(field, forms.DateField):
            data[f"{key}-{name}"] = "2026-10-01" if valid else "31-31-2026"
        elif isinstance(field, forms.ChoiceField):
            choices = [c for c, _label in field.choices if c]
            data[f"{key}-{name}"] = choices[0] if choices else ""
        elif isinstance(field, forms.BooleanField):
            data[f"{key}-{name}"] = "on"
        else:
            data[f"{key}-{name}"] = "x" * 300 if not valid else "Tekst met <html> & \"quotes\"\nop twee regels"
    return data


@pytest.mark.parametrize("key", sorted(SCALAR_FORMS))
@pytest.mark.parametrize("state", ["unbound", "stored", "valid", "invalid"])
def test_section_forms_render_as_crispy_renders_them(key, state):
    form_class = SCALAR_FORMS[key]
    initial = {name: "Opgeslagen tekst" for name, f in form_class.base_fields.items() if isinstance(f, forms.CharField)}

    def make():
        if state == "unbound":
            return form_class(student=STUDENT, prefix=key)
        if state == "stored":
            return form_class(student=STUDENT, prefix=key, initial={**initial, "revision": 2})
        form = form_class(scalar_data(key, form_class, valid=state == "valid"), student=STUDENT, prefix=key)
        form.is_valid()
        if state == "invalid":  # besides what the data breaks: two errors (escaped) on the first visible field
            name = next(bf.name for bf in form.visible_fields())
            form.add_error(name, "Dit klopt <echt> niet")
            form.add_error(name, "En dit ook niet")
        return form

    for name, crispy, ours in pairs(make):
        assert ours == crispy, name
    assert opp_form(make()) == as_crispy_form(make())
    if state == "invalid":
        assert "is-invalid" in opp_form(make()) and "Dit klopt &lt;echt&gt; niet" in opp_form(make())  # the errors are really there


def item_data(key, rows, *, valid=True):
    data = {f"{key}-TOTAL_FORMS": str(rows), f"{key}-INITIAL_FORMS": "0", f"{key}-MIN_NUM_FORMS": "0",
            f"{key}-MAX_NUM_FORMS": "1000"}
    form = ITEM_FORMS[key].form()
    for i in range(rows):
        for name, field in form.fields.items():
            if isinstance(field, forms.ChoiceField):
                choices = [c for c, _label in field.choices if c]
                data[f"{key}-{i}-{name}"] = choices[i % len(choices)]
            elif name in TEXTS and (valid or i != 1):
                data[f"{key}-{i}-{name}"] = TEXTS[name] if valid or name != "measure_target_on" else "2026-13-40"
        data[f"{key}-{i}-ORDER"] = str(i + 1)
    return data


@pytest.mark.parametrize("key", sorted(ITEM_FORMS))
@pytest.mark.parametrize("state", ["unbound", "stored", "valid", "invalid"])
def test_item_rows_render_as_crispy_renders_them(key, state):
    stored = [{"text": TEXTS["text"], "goal": TEXTS["goal"], "approach": "Aanpak", "who": "Leerkracht",
               "frequency": "Dagelijks", "evaluation_moment": "Na 6 weken", "evaluation_criterion": "AVI",
               "expectation": "1F", "measure_baseline_on": datetime.date(2026, 9, 1), "ORDER": n} for n in (1, 2)]

    def make():
        if state == "unbound":
            formset = ITEM_FORMS[key](prefix=key)
        elif state == "stored":
            formset = ITEM_FORMS[key](prefix=key, initial=stored)
        else:
            formset = ITEM_FORMS[key](item_data(key, 3, valid=state == "valid"), prefix=key)
            formset.is_valid()
        return formset

    a, b = make(), make()
    compared = 0
    for form_a, form_b in zip([*a.forms, a.empty_form], [*b.forms, b.empty_form], strict=True):
        for name in form_a.fields:
            crispy = as_crispy_field(form_a[name]) if not form_a[name].is_hidden else str(form_a[name])
            ours = opp_field(form_b[name]) if not form_b[name].is_hidden else opp_widget(form_b[name])
            assert ours == crispy, (name, form_a.prefix)
            compared += 1
    assert compared >= 2 * len(ITEM_FORMS[key].form.base_fields)
    if state == "invalid":
        assert any(form.errors for form in b.forms)


class Others(forms.Form):
    """Widgets opp_fields leaves to crispy, and a non-field error: the output is still crispy's."""

    choice = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple)
    upload = forms.FileField(required=False)
    grouped = forms.ChoiceField(choices=[("Groep", [("a", "A & B")]), ("c", "C")], required=False)
    number = forms.IntegerField(help_text="Een <b>getal</b>", required=False)
    email = forms.EmailField(required=False, disabled=True)

    def clean(self):
        raise forms.ValidationError("Alles tegelijk fout")


@pytest.mark.parametrize("bound", [False, True])
def test_other_widgets_and_form_errors_stay_crispys(bound):
    def make():
        form = Others({"choice": "b", "number": "x"} if bound else None)
        if bound:
            form.is_valid()
        return form

    for name, crispy, ours in pairs(make):
        assert ours == crispy, name
    assert opp_form(make()) == as_crispy_form(make())


def test_the_filters_work_in_a_template():
    form = SCALAR_FORMS["hoorrecht"](student=STUDENT, prefix="hoorrecht")
    ours = Template("{% load opp_fields %}{{ form|opp_form }}{{ form.leerling_mening|opp_field }}").render(
        Context({"form": form}))
    theirs = Template("{% load crispy_forms_tags %}{{ form|crispy }}{{ form.leerling_mening|as_crispy_field }}").render(
        Context({"form": SCALAR_FORMS["hoorrecht"](student=STUDENT, prefix="hoorrecht")}))
    assert ours == theirs
    assert 'name="hoorrecht-leerling_mening"' in ours


@pytest.mark.parametrize("key", sorted(ITEM_FORMS))
@pytest.mark.parametrize("state", ["unbound", "stored", "bank", "invalid", "row_error"])
def test_an_editor_row_renders_as_its_template_renders_it(key, state):
    """{% opp_item_fields form %} against {% include "opp/_item_fields.html" %}: rows with and without a measure, with
    goal-bank texts (unchanged and made own: the marks), SMART hints, field errors and a row (non-field) error."""
    bank_rows = [{"text": "Tekst uit de bank", "bank_text": 7, "bank_original": "Tekst uit de bank",
                  "goal": "Doel uit de bank", "goal_bank_text": 3, "goal_bank_original": "Doel uit de bank",
                  "approach": "Eigen aanpak", "approach_bank_text": 4, "approach_bank_original": "Aanpak uit de bank",
                  "who": "Leerkracht", "frequency": "Dagelijks", "evaluation_moment": "Na 6 weken",
                  "evaluation_criterion": "AVI", "expectation": "1F", "plan_goal": 12, "measure_instrument": "avi",
                  "measure_baseline": "M4", "measure_target": "E5", "ORDER": 1}]

    def make():
        if state == "unbound":
            return ITEM_FORMS[key](prefix=key)
        if state in ("stored", "bank"):
            rows = bank_rows if state == "bank" else [{"text": "Factor", "goal": "Leest vloeiend", "ORDER": 1}]
            return ITEM_FORMS[key](prefix=key, initial=rows)
        formset = ITEM_FORMS[key](item_data(key, 3, valid=state != "invalid"), prefix=key)
        formset.is_valid()
        if state == "row_error":
            formset.forms[0].add_error(None, "Deze rij <klopt> niet")
        return formset

    student = Student(first_name="Sam")
    ours = Template("{% load opp_fields %}{% for form in fs.forms %}{% opp_item_fields form %}{% endfor %}"
                    "{% opp_item_fields fs.empty_form %}").render(Context({"fs": make(), "student": student}))
    theirs = Template('{% for form in fs.forms %}{% include "opp/_item_fields.html" %}{% endfor %}'
                      '{% include "opp/_item_fields.html" with form=fs.empty_form %}').render(
        Context({"fs": make(), "student": student}))
    assert ours == theirs
    if state == "bank" and key != "leerrendement":
        assert "bank-mark-unchanged" in ours
    if state == "bank" and key == "handelingsdeel":
        assert "Begonnen met een tekst uit de tekstbank en aangepast." in ours and "data-smart-hints" in ours
    if state == "row_error":
        assert "Deze rij &lt;klopt&gt; niet" in ours
