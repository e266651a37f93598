"""opp_portal.forms: the one way a service's ValidationError reaches the user (on the form, keeping what was typed,
or as a page message), and nothing else is swallowed."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from opp_portal.forms import ServiceErrors, apply_errors, message_of


class _Form(forms.Form):
    name = forms.CharField()
    upload = forms.CharField(required=False)


def _bound():
    form = _Form({"name": "Sanne", "upload": "x"})
    assert form.is_valid()
    return form


def test_a_field_error_lands_on_its_field_and_an_unknown_field_on_the_form():
    form = _bound()
    apply_errors(form, ValidationError({"name": "Te kort.", "elders": "Niet op dit formulier."}))
    assert form.errors["name"] == ["Te kort."]
    assert form.non_field_errors() == ["Niet op dit formulier."]
    assert form.data["name"] == "Sanne"  # what the user typed stays


def test_a_message_without_a_field_goes_to_the_named_field_or_the_form():
    on_field, on_form = _bound(), _bound()
    apply_errors(on_field, ValidationError("Geen PDF."), field="upload")
    apply_errors(on_form, ValidationError("Geen PDF."))
    assert on_field.errors["upload"] == ["Geen PDF."] and not on_field.non_field_errors()
    assert on_form.non_field_errors() == ["Geen PDF."]


def test_service_errors_catches_a_validation_error_onto_the_form():
    form = _bound()
    with ServiceErrors(form) as outcome:
        raise ValidationError({"name": "Bestaat al."})
    assert not outcome.ok and outcome.message == "Bestaat al."
    assert form.errors["name"] == ["Bestaat al."]


def test_service_errors_lets_a_success_through():
    with ServiceErrors(_bound()) as outcome:
        pass
    assert outcome.ok and outcome.message == ""


def test_service_errors_puts_the_message_on_the_page_without_a_form():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    with ServiceErrors(request=request) as outcome:
        raise ValidationError(["Eerst dit.", "Dan dat."])
    assert not outcome.ok
    assert [str(m) for m in get_messages(request)] == ["Eerst dit. Dan dat."]
    assert message_of(outcome.error) == "Eerst dit. Dan dat."


def test_anything_but_a_validation_error_is_a_bug_and_propagates():
    with pytest.raises(KeyError), ServiceErrors(_bound()):
        raise KeyError("bug")


def test_service_errors_needs_a_form_or_a_request():
    with pytest.raises(TypeError):
        ServiceErrors()
    with pytest.raises(TypeError):
        ServiceErrors(_bound(), request=object())
