"""The child page renders its reaction forms with opp_fields' `|opp_form` instead of crispy's `|crispy` (template work
is the page's largest slice of CPU after the ORM): the HTML must be crispy's, byte for byte, in every language the
portal offers and also for a bound form with errors (the retry pages render such forms)."""

from __future__ import annotations

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django.conf import settings
from django.utils import translation

from evaluations.forms import EvaluationReactionForm
from opp.templatetags.opp_fields import opp_form
from portal.forms import ReactionForm

FORMS = {
    "reaction": lambda data=None: ReactionForm(data),
    "evaluation": lambda data=None: EvaluationReactionForm(data, auto_id="id_evaluatie7_%s"),
}


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("kind", sorted(FORMS))
@pytest.mark.parametrize("data", [None, {"text": "Fijn <b>plan</b> & \"goed\"\n  zo"}, {"text": ""},
                                  {"text": "x" * 5001}], ids=["unbound", "valid", "empty", "too-long"])
def test_opp_form_renders_what_crispy_renders(language, kind, data):
    make = FORMS[kind]
    with translation.override(language):
        crispy, fast = make(data), make(data)
        if data is not None:
            crispy.is_valid(), fast.is_valid()
        assert str(opp_form(fast)) == str(as_crispy_form(crispy))

