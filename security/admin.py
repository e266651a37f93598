"""The Django admin: accounts, schools and roles — never pupil data (ARCHITECTURE.md role table).

Access is by the beheerder role (scoped to the boards they manage) or a technical superuser, not by
Django's per-model permissions, so that there is exactly one source of rights: accounts.access.

The beheerder cannot become anyone: nobody sets another account's password here (a staff account
gets an activation link and sets its own), and every role, mandate, second-factor reset and password reset
the beheerder asks for waits for the school's schoolleider or the board's bestuurder (security.approvals).
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UsernameField
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import access
from accounts.models import (
    GROUP_SCOPED_ROLES,
    Board,
    Membership,
    Onderwijssoort,
    Samenwerkingsverband,
    School,
    User,
    normalize_groups,
)
from audit import log as audit
from audit.models import AuditEvent
from security import access as security_access
from security import activation, approvals, sso
from security.models import ApprovalRequest, SsoIdentity

#: Admin searches are cut to this many characters: Django turns every word into a LIKE per search
#: field, and 60,000 characters of words made SQLite give up (a 500). The portal's own searches cap at 100 too.
SEARCH_MAX_LENGTH = 100


class OppAdminSite(admin.AdminSite):
    site_header = _("OPP-portaal – beheer")
    site_title = _("OPP-portaal beheer")
    index_title = _("Accounts, scholen en rollen")

    def has_permission(self, request):
        user = request.user
        # The second factor is required here as everywhere (SecondFactorMiddleware); checked again so that
        # the admin never trusts an unverified session, whatever the middleware order becomes.
        if settings.OPP_REQUIRE_2FA and not user.is_verified():
            return False
        return user.is_active and (user.is_superuser or bool(access.boards_managed_by(user).exists()))

    def autocomplete_view(self, request):
        """Only for a field some admin declares in `autocomplete_fields` (none today). Django looked any
        field name up and fell over a reverse relation (`field_name=memberships`: an AttributeError, a 500)."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        declared = {(model._meta.app_label, model._meta.model_name, name)
                    for model, model_admin in self._registry.items() for name in model_admin.autocomplete_fields}
        asked = tuple(request.GET.get(key, "") for key in ("app_label", "model_name", "field_name"))
        if asked not in declared:
            raise PermissionDenied
        return super().autocomplete_view(request)


admin_site = OppAdminSite(name="admin")


class CappedSearchMixin:
    """Every changelist search of this admin, cut to SEARCH_MAX_LENGTH characters and without NUL (which
    PostgreSQL refuses in a query)."""

    def get_search_results(self, request, queryset, search_term):
        search_term = str(search_term or "").replace("\x00", "")[:SEARCH_MAX_LENGTH]
        return super().get_search_results(request, queryset, search_term)

    def changelist_view(self, request, extra_context=None):
        # A filter on an id larger than the database's integers ("?school=9223372036854775808") would fail in the
        # query itself (OverflowError on SQLite, DataError on PostgreSQL): answered as Django answers any invalid
        # lookup, with the changelist's "?e=1".
        if any(_out_of_range(v) for values in request.GET.lists() for v in values[1]):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)


def _out_of_range(value: str) -> bool:
    """An integer the database cannot hold (outside signed 64 bits)."""
    text = value.strip()
    digits = text.removeprefix("-")
    return digits.isascii() and digits.isdigit() and (len(digits) > 19 or not -(2**63) <= int(text) < 2**63)


def _managed_boards(request):
    return access.boards_managed_by(request.user)


class ScopedAdmin(CappedSearchMixin, admin.ModelAdmin):
    """Rights come from the beheerder role; the queryset is the beheerder's boards."""

    def has_module_permission(self, request):
        return admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return admin_site.has_permission(request)

    has_change_permission = has_view_permission
    has_add_permission = has_view_permission

    def has_delete_permission(self, request, obj=None):
        # Organisations and accounts are deactivated or ended, not deleted: audit rows point at them.
        return request.user.is_superuser

    def response_action(self, request, queryset):
        # Django passes the posted selection straight to a pk lookup: a forged value ("", "abc") would raise
        # there (a 500). Refuse it like an empty selection instead (tests/test_fuzz_forms.py).
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                self.model._meta.pk.to_python(value)
        except ValidationError:
            self.message_user(request, _("De selectie is ongeldig; er is niets gedaan."), messages.ERROR)
            return None
        return super().response_action(request, queryset)


@admin.register(Board, site=admin_site)
class BoardAdmin(ScopedAdmin):
    list_display = ("name", "bevoegd_gezag_nummer")
    search_fields = ("name",)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(pk__in=_managed_boards(request))


@admin.register(Samenwerkingsverband, site=admin_site)
class SamenwerkingsverbandAdmin(ScopedAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


class SchoolForm(forms.ModelForm):
    onderwijssoorten = forms.MultipleChoiceField(
        label=_("Onderwijssoorten"), choices=Onderwijssoort.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = School
        fields = ["board", "brin", "name", "onderwijssoorten", "cluster", "samenwerkingsverband",
                  "consent_one_guardian_suffices"]

    def clean_brin(self):
        return self.cleaned_data["brin"].strip().upper()


@admin.register(School, site=admin_site)
class SchoolAdmin(ScopedAdmin):
    form = SchoolForm
    list_display = ("name", "brin", "board", "soorten", "cluster", "samenwerkingsverband")
    list_filter = ("board",)
    search_fields = ("name", "brin")
    list_select_related = ("board", "samenwerkingsverband")

    @admin.display(description=_("onderwijssoorten"))
    def soorten(self, obj):
        return obj.get_onderwijssoorten_display()

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(board__in=_managed_boards(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "board" and not request.user.is_superuser:
            kwargs["queryset"] = _managed_boards(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(request.user, audit.Action.UPDATE if change else audit.Action.CREATE, obj,
                     details={"fields": sorted(form.changed_data)})


def _users_in_reach(request):
    qs = User.objects.all()
    if request.user.is_superuser:
        return qs
    boards = _managed_boards(request)
    # Staff of the managed boards, plus the board's own accounts that have no role yet. Parents and
    # pupils are reached through their pupil, never here.
    return qs.filter(
        Q(memberships__board__in=boards) | Q(memberships__school__board__in=boards) | Q(managed_by__in=boards),
        is_superuser=False,
    ).distinct()


class GroupsField(forms.CharField):
    """A leerkracht's groups as one line of text ("5, 6a"), stored as a list (Membership.groups)."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        return normalize_groups(super().to_python(value))


class MembershipForm(forms.ModelForm):
    groups = GroupsField(
        label=_("groepen/klassen"), required=False, max_length=500,
        help_text=_("Alleen voor een leerkracht: de groepen of klassen zoals in het leerlingregister, gescheiden door "
                    "komma's (bijvoorbeeld 5, 6a). De leerkracht ziet alleen de leerlingen van deze groepen; zonder "
                    "groep geen enkele leerling."))

    class Meta:
        model = Membership
        fields = ["user", "role", "school", "board", "adoption_mandate", "groups"]

    def clean(self):
        cleaned = super().clean()
        user, role = cleaned.get("user"), cleaned.get("role")
        if user is not None and user.pk == self.request_user.pk:
            raise ValidationError(_("U kunt uw eigen account geen rol geven of een rol van uzelf wijzigen."))
        # The same rule the service applies (security.approvals.change_membership), shown here as a form error.
        if user is not None and role and {"user", "role", "school", "board"} & set(self.changed_data):
            try:
                approvals.check_membership_target(actor=self.request_user, user=user, role=role,
                                                  ignore=self.instance if self.instance.pk else None)
            except ValidationError as exc:
                self.add_error("user", exc)
        return cleaned


def _pending_note(request, membership: Membership, admin) -> None:
    """Tell the beheerder who decides now, or that nobody can yet (the operator command)."""
    pending = ApprovalRequest.objects.filter(membership=membership, state=ApprovalRequest.State.PENDING).first()
    if pending is None:
        return
    if security_access.approvers_of(pending):
        admin.message_user(request, _("Dit wacht op goedkeuring door de schoolleider of bestuurder; die krijgen "
                                      "een e-mail. Tot dan verandert er niets aan de toegang."), messages.WARNING)
    else:
        admin.message_user(request, _("Dit wacht op goedkeuring, maar er is nog niemand die dat kan (de eerste "
                                      "bestuurder of schoolleider). Vraag de technisch beheerder: "
                                      "manage.py approve_membership %(id)s --operator \"naam\".") % {"id": membership.pk},
                           messages.WARNING)


@admin.register(Membership, site=admin_site)
class MembershipAdmin(ScopedAdmin):
    form = MembershipForm
    list_display = ("user", "role", "school", "board", "groups_display", "adoption_mandate", "status")
    list_filter = ("role", ("approved_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "user__first_name", "user__last_name", "school__name")
    list_select_related = ("user", "school", "board")
    autocomplete_fields = ()
    readonly_fields = ("status",)

    @admin.display(description=_("groepen/klassen"))
    def groups_display(self, obj):
        return ", ".join(obj.groups or []) or "-"

    @admin.display(description=_("status"))
    def status(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        if not obj.is_approved:
            return _("wacht op goedkeuring (geeft nog geen toegang)")
        if getattr(obj, "mandate_pending", False):
            return _("goedgekeurd; wijziging van het mandaat wacht op de bestuurder")
        return _("goedgekeurd")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form

    def get_queryset(self, request):
        qs = super().get_queryset(request).annotate(mandate_pending=Exists(ApprovalRequest.objects.filter(
            membership=OuterRef("pk"), kind=ApprovalRequest.Kind.MANDATE, state=ApprovalRequest.State.PENDING)))
        if request.user.is_superuser:
            return qs
        boards = _managed_boards(request)
        return qs.filter(Q(board__in=boards) | Q(school__board__in=boards))

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.user_id == request.user.pk:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.user_id == request.user.pk:
            return False
        return admin_site.has_permission(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            boards = _managed_boards(request)
            if db_field.name == "board":
                kwargs["queryset"] = boards
            elif db_field.name == "school":
                kwargs["queryset"] = School.objects.filter(board__in=boards)
            elif db_field.name == "user":
                kwargs["queryset"] = _users_in_reach(request).exclude(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Through security.approvals: a new or raised membership waits for approval, a new mandate too."""
        if change:
            before = Membership.objects.get(pk=obj.pk)
            saved = approvals.change_membership(
                actor=request.user, membership=before, user=obj.user, role=obj.role, school=obj.school,
                board=obj.board, mandate=obj.adoption_mandate)
        else:
            saved = approvals.request_membership(actor=request.user, membership=obj)
        if change and "groups" in form.changed_data:
            _save_groups(request.user, saved, form.cleaned_data["groups"])
        obj.refresh_from_db()
        _pending_note(request, saved, self)

    def delete_model(self, request, obj):
        approvals.end_membership(actor=request.user, membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            approvals.end_membership(actor=request.user, membership=membership)


def _save_groups(actor, membership: Membership, groups: list[str]) -> None:
    """A leerkracht's groups (need to know: which pupils they read). Fewer or other pupils of the school whose role was
    approved, so no new approval; audited."""
    membership.groups = groups if membership.role in GROUP_SCOPED_ROLES else []
    membership.save(update_fields=["groups"])
    audit.record(actor, audit.Action.UPDATE, membership, school=membership.school_id,
                 details={"groups": membership.groups})
    access.clear_cache(membership.user)


class MembershipReadonlyInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    fields = ("role", "school", "board", "groups", "adoption_mandate", "approved_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("rollen (wijzigen via Rollen; zonder goedkeuringsdatum wacht een rol nog op goedkeuring)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return admin_site.has_permission(request)


class SsoIdentityInline(admin.TabularInline):
    """The account's links with a school account (security.sso): seen, and removed when one is wrong (the next
    single sign-on then matches on the verified email again). Never made or changed here."""

    model = SsoIdentity
    fields = ("issuer", "email", "linked_at", "last_login_at")
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("koppelingen met schoolaccounts (inloggen met uw schoolaccount)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return admin_site.has_permission(request)

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission


class NewStaffForm(forms.ModelForm):
    """A new staff account: no password here — the account sets its own through the activation e-mail."""

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email")
        field_classes = {"username": UsernameField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = _("Hierheen gaat de eenmalige activeringslink waarmee de medewerker zelf "
                                           "een wachtwoord kiest.")


class StaffChangeForm(forms.ModelForm):
    """The account page: no password field at all (Django's UserChangeForm shows the hash and links to the
    password form); the technical fields appear only in the superuser's fieldsets."""

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser")
        field_classes = {"username": UsernameField}


@admin.register(User, site=admin_site)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    add_form = NewStaffForm
    form = StaffChangeForm
    inlines = [MembershipReadonlyInline, SsoIdentityInline]
    list_display = ("username", "first_name", "last_name", "email", "roles_and_schools", "is_active", "activated",
                    "last_login")
    list_filter = ("is_active",)
    actions = ["reset_second_factor", "send_activation_link", "request_new_password"]
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "first_name", "last_name", "email")}),
    )

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new account has no roles yet

    def save_formset(self, request, form, formset, change):
        if formset.model is SsoIdentity:  # only removal is possible: each one audited
            formset.save(commit=False)
            for identity in formset.deleted_objects:
                sso.unlink(identity, by=request.user)
            return
        super().save_formset(request, form, formset, change)

    @admin.display(description=_("wachtwoord ingesteld"), boolean=True)
    def activated(self, obj):
        return activation.is_activated(obj)

    @admin.display(description=_("Rollen en scholen"))
    def roles_and_schools(self, obj):
        """"Intern begeleider — OBS De Bron; Leerkracht — …" from the prefetched roles (get_queryset): no query per row."""
        parts = []
        for m in obj.memberships.all():
            text = f"{m.get_role_display()} — {m.school or m.board}"
            if not m.is_approved:
                text += " " + str(_("(wacht op goedkeuring)"))
            parts.append(text)
        return "; ".join(parts) or "–"

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        # No password field and no link to Django's password form: nobody sets another person's password.
        fieldsets = [
            (None, {"fields": ("username", "activated")}),
            (_("Persoonsgegevens"), {"fields": ("first_name", "last_name", "email")}),
            (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
        ]
        if request.user.is_superuser:
            fieldsets.append((_("Technisch beheer"), {"fields": ("is_staff", "is_superuser")}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = ["last_login", "date_joined", "activated"]
        if (obj is not None and not activation.is_activated(obj)
                and Membership.objects.approved().filter(user=obj).exists()):
            # Approved but not activated yet: a new address would send the account (and its approved role) to
            # whoever owns it. The approver saw this address.
            fields.append("email")
        return fields

    def user_change_password(self, request, id, form_url=""):
        """Django's form to set another account's password: refused to everyone. A staff member
        sets their own password (activation link); a forgotten one goes through an approved request."""
        if self.get_object(request, unquote(id)) is None:
            raise Http404  # outside the beheerder's reach: not revealed
        raise PermissionDenied

    def _each(self, request, queryset, service, done_message, *, exclude_own=True):
        done = 0
        for user in queryset:
            if exclude_own and user.pk == request.user.pk:
                self.message_user(request, _("Voor uw eigen account kan dat hier niet."), messages.ERROR)
                continue
            try:
                service(user)
            except (ValidationError, PermissionDenied) as exc:
                reason = " ".join(getattr(exc, "messages", [])) or _("niet toegestaan")
                self.message_user(request, f"{user.get_username()}: {reason}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done))

    @admin.action(description=_("Tweestapsverificatie opnieuw laten instellen (telefoon kwijt) – na goedkeuring"))
    def reset_second_factor(self, request, queryset):
        """Asks for it: the devices go only when the schoolleider or bestuurder approves (security.approvals).
        Never one's own account (that would be a way around the second factor)."""
        self._each(request, queryset, lambda user: approvals.request_otp_reset(actor=request.user, user=user),
                   lambda n: ngettext(
                       "Verzoek voor %(n)s account ingediend; de tweestapsverificatie wordt gewist zodra de "
                       "schoolleider of bestuurder het goedkeurt.",
                       "Verzoek voor %(n)s accounts ingediend; de tweestapsverificatie wordt gewist zodra de "
                       "schoolleider of bestuurder het goedkeurt.", n) % {"n": n})

    @admin.action(description=_("Activeringslink (opnieuw) sturen – alleen accounts zonder wachtwoord"))
    def send_activation_link(self, request, queryset):
        self._each(request, queryset, lambda user: activation.send_activation(actor=request.user, user=user),
                   lambda n: ngettext("Activeringslink naar %(n)s account verstuurd.",
                                      "Activeringslinks naar %(n)s accounts verstuurd.", n) % {"n": n})

    @admin.action(description=_("Nieuw wachtwoord laten instellen (wachtwoord vergeten) – na goedkeuring"))
    def request_new_password(self, request, queryset):
        self._each(request, queryset, lambda user: approvals.request_password_reset(actor=request.user, user=user),
                   lambda n: ngettext(
                       "Verzoek voor %(n)s account ingediend; na goedkeuring krijgt het een activeringslink.",
                       "Verzoek voor %(n)s accounts ingediend; na goedkeuring krijgen zij een activeringslink.",
                       n) % {"n": n})

    def get_queryset(self, request):
        return _users_in_reach(request).prefetch_related(Prefetch(
            "memberships", queryset=Membership.objects.select_related("school", "board").order_by("role", "pk")))

    def save_model(self, request, obj, form, change):
        if not change:
            activation.create_staff_account(actor=request.user, user=obj)
            self.message_user(request, _("Account aangemaakt zonder wachtwoord; de activeringslink is verstuurd naar "
                                         "%(email)s. Geef het daarna een rol via Rollen (die wacht op goedkeuring).")
                              % {"email": obj.email})
            return
        super().save_model(request, obj, form, change)
        access.clear_cache(obj)
        audit.record(request.user, audit.Action.UPDATE, obj, details={"fields": sorted(form.changed_data)})


@admin.register(AuditEvent, site=admin_site)
class AuditEventAdmin(CappedSearchMixin, admin.ModelAdmin):
    """Read-only, and only for the technical superuser; schools read their own log in the app."""

    list_display = ("at", "actor_label", "action", "object_type", "object_id", "school", "ip_address")
    list_filter = ("action",)
    search_fields = ("actor_label", "object_id")

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
