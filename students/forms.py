import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Onderwijssoort

from .models import GuardianLink, PlacementEvent, Student


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


DATE_ERROR = _("Vul een geldige datum in (dd-mm-jjjj).")
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d-%m-%y"]
#: Every date in this domain (births, enrolments, meetings, decisions) lies between these. Python's own range
#: (years 1-9999) is not enough: date arithmetic near its ends raises (school years, deadlines, issue 10).
DATE_MIN, DATE_MAX = datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)


def plausible_date(value):
    if value is not None and not DATE_MIN <= value <= DATE_MAX:
        raise ValidationError(_("Vul een datum tussen 1900 en 2100 in."), code="date_range")


def _date_field(field):
    field.widget = DateInput()
    field.input_formats = DATE_FORMATS
    field.error_messages["invalid"] = DATE_ERROR
    field.validators.append(plausible_date)
    return field


class StudentForm(forms.ModelForm):
    class Meta:
        model = Student
        fields = [
            "school", "first_name", "last_name", "date_of_birth", "pupil_number", "onderwijssoort", "group_name",
            "enrolled_on", "placed_on", "support_need_on", "support_level", "extra_support_description",
            "extra_support_funding", "lwoo", "dyslexie", "dyscalculie", "hoogbegaafd", "handelingsbekwaam",
            "consent_party", "parents_informed", "left_on", "destination",
        ]

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].empty_label = None
        if self.instance.pk:
            # A pupil is one enrolment: moving school is a new enrolment, not an edit.
            self.fields["school"].disabled = True
        for name in ("date_of_birth", "enrolled_on", "placed_on", "support_need_on", "left_on"):
            _date_field(self.fields[name])
        offered = set()
        for school in schools:
            offered.update(school.onderwijssoorten)
        self.fields["onderwijssoort"].choices = [("", "---------")] + [
            c for c in Onderwijssoort.choices if c[0] in offered
        ]
        self.fields["extra_support_funding"].required = False
        self.fields["extra_support_description"].widget = forms.Textarea(attrs={"rows": 2})

    def _post_clean(self):
        # Run the service's rules here too, so that every problem shows at once, not one per submit.
        super()._post_clean()
        from .services import validate_student

        if not self.instance.school_id:
            return
        try:
            validate_student(self.instance)
        except forms.ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = field if field in self.fields else None
                already = set(self.errors.get(target or "__all__", []))
                for message in errors:
                    if message not in already:
                        self.add_error(target, message)

    def clean_pupil_number(self):
        return self.cleaned_data["pupil_number"].strip()

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()


class GuardianForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=200)
    email = forms.EmailField(label=_("E-mailadres"), required=False,
                             error_messages={"invalid": _("Vul een geldig e-mailadres in.")})
    phone = forms.RegexField(
        label=_("Telefoonnummer"), required=False, max_length=30, regex=r"^[0-9+()\-\s]{6,30}$",
        error_messages={"invalid": _("Vul een geldig telefoonnummer in (cijfers, spaties, +, - en haakjes).")},
    )
    relation = forms.ChoiceField(label=_("Relatie tot de leerling"), choices=GuardianLink.Relation.choices)
    has_gezag = forms.BooleanField(label=_("Heeft ouderlijk gezag over deze leerling"), required=False, initial=True)


class PlacementForm(forms.ModelForm):
    class Meta:
        model = PlacementEvent
        fields = [
            "kind", "start_on", "end_on", "location", "support_question", "expected_duration",
            "follows_whole_programme", "investigation_on", "investigation_summary", "note",
        ]
        widgets = {
            "support_question": forms.Textarea(attrs={"rows": 3}),
            "investigation_summary": forms.Textarea(attrs={"rows": 4}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("start_on", "end_on", "investigation_on"):
            _date_field(self.fields[name])
