
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Onderwijssoort, School
from opp_portal import uploads
from opp_portal.forms import date_field

from .models import GuardianLink, PlacementEvent, Student
from .services import validate_student


class StudentForm(forms.ModelForm):
    class Meta:
        model = Student
        fields = [
            "school", "first_name", "last_name", "date_of_birth", "pupil_number", "onderwijssoort", "group_name",
            "enrolled_on", "placed_on", "support_need_on", "support_level", "extra_support_description",
            "extra_support_funding", "lwoo", "dyslexie", "dyscalculie", "hoogbegaafd", "handelingsbekwaam",
            "consent_party", "parents_informed", "left_on", "destination", "destination_note",
        ]

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].empty_label = None
        if self.instance.pk:
            # A pupil is one enrolment: moving school is a new enrolment, not an edit.
            self.fields["school"].disabled = True
        for name in ("date_of_birth", "enrolled_on", "placed_on", "support_need_on", "left_on"):
            date_field(self.fields[name])
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
            date_field(self.fields[name])


class ImportUploadForm(forms.Form):
    """The pupil CSV import's upload: the school (one of those where the user may change pupils) and the file."""

    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.none())
    file = forms.FileField(
        label=_("CSV- of EDEXML-bestand"),
        # The upload validator says "Het bestand is leeg." itself, in the same words as for the command.
        allow_empty_file=True,
        help_text=_("CSV: puntkomma of komma als scheidingsteken; UTF-8 of Windows-1252 (‘CSV’ uit Excel). EDEXML: versie "
                    "2.0 of 2.1 (.xml)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xml,text/csv,text/plain,text/xml,application/xml"}),
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["school"]
        field.queryset = schools
        choices = list(schools[:2])
        if len(choices) == 1:
            field.initial = choices[0].pk
            field.empty_label = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # The one upload validator: size first (Django only spools big uploads to disk), then content.
        uploads.validate(upload, kind=uploads.Kind.CSV)
        return upload
