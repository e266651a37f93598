"""Form fields and forms exactly as django-crispy-forms' bootstrap5 pack renders them (`|as_crispy_field`, `|crispy`),
byte for byte, but in Python instead of through its templates.

Why: the OPP editor shows some 270 fields (every section, every handelingsdeel row and its measure). Through crispy's
field.html and Django's widget templates each field cost about 0.8 ms of template work, two thirds of the page's
time. Here a field is a handful of string joins.

What is covered is what the editor and the portal use: text inputs (text, number, date, email, hidden), textareas,
single selects and checkboxes, on forms without a crispy FormHelper, rendered by Django's default form renderer.
Anything else (radio buttons, multiple selects, files, multi-widgets, a helper, a custom widget template, a form with
non-field errors) goes to crispy itself, so the output is always crispy's. tests/perf/test_fields.py holds every
editor form, bound and unbound, with and without errors, against crispy's own rendering.

`crispy_field`'s side effect is kept: it adds its CSS classes to the widget's attrs (a second render shows them too).
"""

from __future__ import annotations

from html import escape as html_escape

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from crispy_forms.templatetags.crispy_forms_utils import remove_spaces
from crispy_forms.utils import TEMPLATE_PACK
from django import forms, template
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language, gettext

from . import opp_bank, smart_hints

register = template.Library()

_W = "django/forms/widgets/"
#: Django's widget templates that are one <input> (input.html through an include).
_INPUTS = {f"{_W}{name}.html" for name in ("text", "number", "date", "email", "hidden", "checkbox", "url", "tel")}
_TEXTAREA = f"{_W}textarea.html"
_SELECT = f"{_W}select.html"
_OPTION = f"{_W}select_option.html"


def _fmt(value) -> str:
    """`{{ value|stringformat:'s' }}` under autoescape."""
    if type(value) is str:
        return html_escape(value)  # what django.utils.html.escape does, without its lazy-string wrapper
    if isinstance(value, SafeData):
        return str(value)
    if isinstance(value, tuple):
        value = str(value)
    return escape(f"{value}")


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(f" {html_escape(name) if type(name) is str else conditional_escape(name)}"
                   + ("" if value is True else f'="{_fmt(value)}"')
                   for name, value in attrs.items() if value is not False)


def _text(value) -> str:
    """`{{ value }}` of a string (or lazy string) under autoescape."""
    if type(value) is str:
        return html_escape(value)
    return str(conditional_escape(value))


#: Lazy strings (field labels, choice labels, help texts) as shown, per language and per way of showing them: the
#: editor shows the same few dozen hundreds of times. Each entry holds its lazy string, so that the id in the key stays
#: that string's.
_SHOWN: dict[tuple[int, str | None, bool], tuple[object, str]] = {}


def _once(lazy: Promise, *, escaped: bool) -> str:
    """`lazy` translated into the active language (and escaped, or not), computed once per language."""
    key = (id(lazy), get_language(), escaped)
    hit = _SHOWN.get(key)
    if hit is not None and hit[0] is lazy:
        return hit[1]
    if len(_SHOWN) > 5000:
        _SHOWN.clear()
    text = _text(lazy) if escaped else str(lazy)
    _SHOWN[key] = (lazy, text)
    return text


def _label(label) -> str | None:
    """`{{ label }}` of a choice or field label (a string or a lazy string); None for anything else."""
    if type(label) is str:
        return html_escape(label)
    if not isinstance(label, Promise):
        return None
    return _once(label, escaped=True)


def _plain(text) -> str:
    """A help text as crispy shows it (unescaped), a lazy one translated once per language."""
    return _once(text, escaped=False) if isinstance(text, Promise) else text


def _options(widget, value) -> str | None:
    """The <option>s of a single select as Select.optgroups() and select_option.html give them; None: it has groups."""
    values = widget.format_value(value)
    has_selected = False
    parts = []
    for option_value, option_label in widget.choices:
        if option_value is None:
            option_value = ""
        label = None if isinstance(option_label, list | tuple) else _label(option_label)
        if label is None:
            return None
        selected = not has_selected and str(option_value) in values
        has_selected |= selected
        parts.append(f'\n  <option value="{_fmt(option_value)}"{" selected" if selected else ""}>{label}</option>\n')
    return "".join(parts)


def _widget_html(bf: BoundField) -> str | None:
    """str(bf) for the covered widgets (BoundField.as_widget with the template done here); None: not covered."""
    widget = bf.field.widget
    name = widget.template_name
    if bf.field.show_hidden_initial or not (name in _INPUTS or name == _TEXTAREA or name == _SELECT):
        return None
    if name == _SELECT and (widget.allow_multiple_selected or widget.option_template_name != _OPTION):
        return None
    if bf.field.localize:
        widget.is_localized = True
    attrs = bf.build_widget_attrs({}, widget)
    if bf.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bf.auto_id)
    if name == _SELECT:
        # Select.get_context without its optgroups (the options are rendered straight from the choices).
        options = _options(widget, bf.value())
        if options is not None:
            return f'<select name="{_text(bf.html_name)}"{_attrs(widget.build_attrs(widget.attrs, attrs))}>{options}\n</select>'
    w = widget.get_context(bf.html_name, bf.value(), attrs)["widget"]
    if name in _INPUTS:
        value = "" if w["value"] is None else f' value="{_fmt(w["value"])}"'
        return f'<input type="{_text(w["type"])}" name="{_text(w["name"])}"{value}{_attrs(w["attrs"])}>'
    if name == _TEXTAREA:
        return (f'<textarea name="{_text(w["name"])}"{_attrs(w["attrs"])}>\n'
                f'{_text(w["value"]) if w["value"] else ""}</textarea>')
    parts = [f'<select name="{_text(w["name"])}"{_attrs(w["attrs"])}>']
    for group_name, group_choices, _index in w["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if not isinstance(option["label"], str | Promise) or option["template_name"] != _OPTION:
                return None
            parts.append(f'\n  <option value="{_fmt(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{_text(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _covered(bf: BoundField) -> bool:
    widget = bf.field.widget
    return (TEMPLATE_PACK == "bootstrap5" and getattr(bf.form, "helper", None) is None
            and type(bf.form.renderer) is DjangoTemplates and not bf.use_fieldset
            and not hasattr(widget, "widgets") and not hasattr(widget, "widget")
            and not isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.FileInput))


def _add_classes(widget, extra: str) -> None:
    """crispy_forms_field.CrispyFieldNode: the widget's class name, then `extra`, added to its class attribute."""
    class_name = widget.__class__.__name__.lower()
    css = widget.attrs.get("class", "")
    if css:
        if css.find(class_name) == -1:
            css += f" {class_name}"
    else:
        css = class_name
    widget.attrs["class"] = css
    for part in extra.split():
        if part not in widget.attrs["class"].split():
            widget.attrs["class"] += " " + part


def _help_and_errors(bf: BoundField) -> str:
    """bootstrap5/layout/help_text_and_errors.html (help text below, errors as a block)."""
    errors = "\n"
    if bf.errors:
        items = "".join(f'\n        <p id="error_{n}_{_text(bf.auto_id)}"><strong>{_text(e)}</strong></p>\n    '
                        for n, e in enumerate(bf.errors, 1))
        errors = (f'\n    <div id="{_text(str(bf.errors.field_id))}_error" class="invalid-feedback">\n    {items}'
                  "\n    </div>\n\n")
    help_text = "\n"
    raw_help = _plain(bf.help_text)
    if raw_help:
        id_attr = f'id="{_text(bf.auto_id)}_helptext" ' if bf.auto_id else ""
        help_text = f'\n    \n        <div {id_attr}class="form-text">{raw_help}</div>\n    \n\n'
    return f"\n\n\n    {errors}\n\n\n\n    {help_text}\n\n"


def _field_html(bf: BoundField) -> str | None:
    """bootstrap5/field.html with crispy's defaults (labels and errors shown, no label/field/wrapper class)."""
    if not _covered(bf):
        return None
    widget = bf.field.widget
    if bf.is_hidden:
        html = _widget_html(bf)
        return None if html is None else f"\n\n\n    {html}\n\n"
    checkbox = isinstance(widget, forms.CheckboxInput)
    select = isinstance(widget, forms.Select)
    invalid = " is-invalid" if bf.errors else ""
    _add_classes(widget, ("form-check-input" if checkbox else "form-select" if select else "form-control") + invalid)
    html = _widget_html(bf)
    if html is None:
        return None
    required = bf.field.required
    # bf.label is usually a lazy string: each truth test or str() of it translates again, so it is read once here.
    raw_label = bf.label
    label = _label(raw_label)
    if label is None:
        label = _text(raw_label) if raw_label else ""
    star = '<span class="asteriskField">*</span>' if required else ""
    css_classes = bf.css_classes()
    out = ["\n\n\n    "]
    if checkbox:
        out.append('\n        <div class="mb-3">\n        \n    ')
    out.append(f'\n    <div id="div_{_text(bf.auto_id)}" class="{"form-check" if checkbox else "mb-3"}'
               f'{" " + _text(css_classes) if css_classes else ""}">\n        ')
    if label and not checkbox:
        for_attr = f'for="{_text(bf.id_for_label)}"' if bf.id_for_label else ""
        out.append(f'\n            \n            <label\n                {for_attr} class="form-label'
                   f'{" requiredField" if required else ""}">\n                {label}{star}\n            </label>\n        ')
    out.append("\n\n        \n\n        \n            ")
    if checkbox:
        out.append(f"\n                    \n                        {html}\n                    \n"
                   f'                <label for="{_text(bf.id_for_label)}" class="form-check-label'
                   f'{" requiredField" if required else ""}">\n                    {label}{star}\n                </label>\n'
                   f"                {_help_and_errors(bf)}\n            ")
    else:
        middle = f"\n                            {html}\n                        " if select else html
        out.append(f"\n                \n                    \n                        {middle}\n                    "
                   f"\n                    \n                        {_help_and_errors(bf)}\n                    "
                   "\n                \n            ")
    out.append("\n        \n        \n    </div>\n    ")
    if checkbox:
        out.append("\n        \n        </div>\n    ")
    out.append("\n\n")
    return "".join(out)


@register.filter(name="opp_field")
def opp_field(field):
    """`{{ field|opp_field }}`: `{{ field|as_crispy_field }}`, faster."""
    html = _field_html(field) if isinstance(field, BoundField) else None
    return mark_safe(html) if html is not None else as_crispy_field(field)  # noqa: S308 — every text escaped above


@register.filter(name="opp_widget")
def opp_widget(field):
    """`{{ field|opp_widget }}`: `{{ field }}` (the widget alone, e.g. a hidden field), faster."""
    html = _widget_html(field) if isinstance(field, BoundField) and type(field.form.renderer) is DjangoTemplates else None
    return mark_safe(html) if html is not None else str(field)  # noqa: S308 — every text escaped above


@register.filter(name="opp_form")
def opp_form(form):
    """`{{ form|opp_form }}`: `{{ form|crispy }}` of a form (bootstrap5/uni_form.html), faster."""
    if not isinstance(form, forms.BaseForm) or form.non_field_errors():
        return as_crispy_form(form)
    fields = []
    for bf in form:
        html = _field_html(bf)
        if html is None:
            return as_crispy_form(form)
        fields.append(f"\n        {html}\n    ")
    inner = "\n    \n    \n        \n\n    \n    " + "".join(fields) + "\n"
    return mark_safe("\n\n" + remove_spaces(inner.strip()) + "\n")  # noqa: S308 — fields escaped above


# --- One item row of the editor ----------------------------------------------------------------------------------

#: The row fields under which the editor marks a text from the goal bank (templates/opp/_bank_picker.html, "mark").
_BANK_MARKED = ("goal", "approach", "text")
#: What templates/opp/_bank_picker.html renders for part="mark" on a field without a bank text.
_NO_BANK_MARK = "\n\n\n\n"


def _include(context, name: str, **values) -> str:
    """`{% include name with values %}` from Python."""
    with context.push(**values):
        return context.template.engine.get_template(name).render(context)


@register.simple_tag(takes_context=True)
def opp_item_fields(context, form):
    """`{% opp_item_fields form %}`: one item row of the editor (the fields of a factor, handelingsdeel or yield row),
    exactly as templates/opp/_item_fields.html renders it, without the template's loops: the editor has some 40 rows.
    The bank marks and SMART hints still come from their templates (opp/_bank_picker.html, opp/_smart_hints.html)."""
    if form.non_field_errors():
        return mark_safe(_include(context, "opp/_item_fields.html", form=form))  # noqa: S308 — a template's output
    measured = "measure_instrument" in form.fields
    visible = form.visible_fields()
    out = ["\n\n", "".join(opp_widget(f) for f in form.hidden_fields()), "\n\n"]
    for field in visible:
        name = field.name
        if name.startswith("measure_") or name in ("ORDER", "DELETE"):
            continue
        out.append(opp_field(field))
        if name in _BANK_MARKED:
            out.append(_NO_BANK_MARK if not opp_bank.bank_state(form, name)
                       else _include(context, "opp/_bank_picker.html", part="mark", field=field, form=form))
        if name == "goal" and measured:
            out.append(_smart_hints(context, form))
    out.append("\n")
    if measured:
        out.append(f'\n<fieldset class="border-top pt-2 mb-2">\n  <legend class="h6 small mb-1">'
                   f'{_text(gettext("Meting bij dit doel (niet verplicht)"))}</legend>\n  <div class="row g-2">\n  ')
        out.extend(f'<div class="col-sm-6 col-lg-4">{opp_field(f)}</div>' for f in visible if f.name.startswith("measure_"))
        out.append("\n  </div>\n</fieldset>\n")
    out.append("\n")
    out.extend(opp_field(form[name]) for name in ("ORDER", "DELETE") if name in form.fields)
    out.append("\n")
    return mark_safe("".join(out))  # noqa: S308 — fields and templates escaped their texts


def _smart_hints(context, form) -> str:
    """`{% smart_hints form %}` (an inclusion tag: its template renders in a new context, with the csrf token)."""
    values = smart_hints.smart_hints(context, form)
    new = context.new(values)
    if context.get("csrf_token") is not None:
        new["csrf_token"] = context["csrf_token"]
    return context.template.engine.get_template("opp/_smart_hints.html").render(new)
