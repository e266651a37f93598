"""What every form here shares: dates as the Dutch type them, and a service's ValidationError shown to the user.

Dates: `DateInput` (the browser's picker), `DATE_FORMATS`, `DATE_ERROR`, `plausible_date`, `date_field`.

Errors: a service's ValidationError shown to the user who caused it, in one place for every view.

Services raise ValidationError with Dutch messages (ARCHITECTURE.md "Services own every write"). A view shows them
on its form, field by field, keeping what the user typed; or, where there is no form, as a message on the page:

    with ServiceErrors(form) as outcome:
        services.plan_withdraw(plan=plan, reasons=form.cleaned_data["reasons"], acting_user=request.user)
    if outcome.ok:
        messages.success(request, _("Het OPP is ingetrokken."))
        return redirect(...)
    # else: re-render the form, which now carries the errors

`ServiceErrors(request=request)` puts the messages in Django's message framework instead.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def apply_errors(form, exc: ValidationError, *, field: str | None = None) -> None:
    """Put a service's ValidationError on the form: per field where the service named a field of this form, else
    on the form as a whole — or on `field`, where a message without a field belongs to one (an upload, a password)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    elif field and field in form.fields:
        form.add_error(field, exc)
    else:
        form.add_error(None, exc)


def message_of(exc: ValidationError) -> str:
    """All of a ValidationError's messages as one sentence, for a page message or a short error box."""
    return " ".join(exc.messages)


class ServiceErrors:
    """Catches a service's ValidationError and shows it: on `form`, or as an error message on `request`.

    Only ValidationError is caught; anything else is a bug and propagates (a 500 is a bug, not a message).
    """

    def __init__(self, form=None, *, request=None, field: str | None = None):
        if (form is None) == (request is None):
            raise TypeError("ServiceErrors needs a form or a request, not both.")
        self.form, self.request, self.field = form, request, field
        self.error: ValidationError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        return message_of(self.error) if self.error is not None else ""

    def __enter__(self) -> ServiceErrors:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or not isinstance(exc, ValidationError):
            return False
        self.error = exc
        if self.form is not None:
            apply_errors(self.form, exc, field=self.field)
        else:
            messages.error(self.request, message_of(exc))
        return True


# --- Dates ----------------------------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


DATE_ERROR = _("Vul een geldige datum in (dd-mm-jjjj).")
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d-%m-%y"]
#: Every date in this domain (births, enrolments, meetings, decisions) lies between these. Python's own range
#: (years 1-9999) is not enough: date arithmetic near its ends raises (school years, deadlines).
DATE_MIN, DATE_MAX = datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)


def plausible_date(value):
    if value is not None and not DATE_MIN <= value <= DATE_MAX:
        raise ValidationError(_("Vul een datum tussen 1900 en 2100 in."), code="date_range")


def dutch_date_field(label, *, required: bool = False, help_text="") -> forms.DateField:
    """A form's date field as every date field here: the browser's date picker, Dutch formats, 1900–2100."""
    return forms.DateField(label=label, required=required, widget=DateInput(), input_formats=DATE_FORMATS,
                           validators=[plausible_date], help_text=help_text, error_messages={"invalid": DATE_ERROR})


#: Above a form that was sent back: nothing was saved, the reasons stand at the fields.
NOT_SAVED = _("Er is niets opgeslagen. Bekijk de meldingen bij het formulier hieronder.")


def date_field(field):
    """A model form's date field as every date field here: the browser's date picker, Dutch formats, 1900–2100."""
    field.widget = DateInput()
    field.input_formats = DATE_FORMATS
    field.error_messages["invalid"] = DATE_ERROR
    field.validators.append(plausible_date)
    return field
