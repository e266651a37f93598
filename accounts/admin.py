"""The Django admin: accounts, schools and roles — never pupil data (ARCHITECTURE.md role table).

Access is by the beheerder role (scoped to the boards they manage) or a technical superuser, not by
Django's per-model permissions, so that there is exactly one source of rights: accounts.access.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import access, audit
from .models import AuditEvent, Board, Membership, Onderwijssoort, Samenwerkingsverband, School, User


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


admin_site = OppAdminSite(name="admin")


def _managed_boards(request):
    return access.boards_managed_by(request.user)


class ScopedAdmin(admin.ModelAdmin):
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
        # there (a 500). Refuse it like an empty selection instead (issue 10, tests/test_fuzz_forms.py).
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


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "role", "school", "board", "adoption_mandate"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("user") is not None and cleaned["user"].pk == self.request_user.pk:
            raise ValidationError(_("U kunt uw eigen account geen rol geven of een rol van uzelf wijzigen."))
        return cleaned


@admin.register(Membership, site=admin_site)
class MembershipAdmin(ScopedAdmin):
    form = MembershipForm
    list_display = ("user", "role", "school", "board", "adoption_mandate")
    list_filter = ("role",)
    search_fields = ("user__username", "user__first_name", "user__last_name", "school__name")
    list_select_related = ("user", "school", "board")
    autocomplete_fields = ()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form

    def get_queryset(self, request):
        qs = super().get_queryset(request)
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
        super().save_model(request, obj, form, change)
        audit.record(request.user, audit.Action.UPDATE if change else audit.Action.CREATE, obj,
                     school=obj.school_id, details={"role": obj.role, "user": obj.user_id})

    def delete_model(self, request, obj):
        audit.record(request.user, audit.Action.DELETE, obj, school=obj.school_id,
                     details={"role": obj.role, "user": obj.user_id})
        super().delete_model(request, obj)


class MembershipReadonlyInline(admin.TabularInline):
    model = Membership
    fields = ("role", "school", "board", "adoption_mandate")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("rollen (wijzigen via Rollen)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return admin_site.has_permission(request)


class NewUserForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name", "email")


@admin.register(User, site=admin_site)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    add_form = NewUserForm
    inlines = [MembershipReadonlyInline]
    list_display = ("username", "first_name", "last_name", "email", "is_active", "last_login")
    list_filter = ("is_active",)
    actions = ["reset_second_factor"]
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "first_name", "last_name", "email", "password1", "password2")}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        fieldsets = [
            (None, {"fields": ("username", "password")}),
            (_("Persoonsgegevens"), {"fields": ("first_name", "last_name", "email")}),
            (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
        ]
        if request.user.is_superuser:
            fieldsets.append((_("Technisch beheer"), {"fields": ("is_staff", "is_superuser")}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return ("last_login", "date_joined")

    @admin.action(description=_("Tweestapsverificatie opnieuw laten instellen (telefoon kwijt)"))
    def reset_second_factor(self, request, queryset):
        """Removes the user's devices and ends their sessions: at the next login they enrol a new phone.
        Never one's own account (that would be a way around the second factor)."""
        from . import otp, security

        done = 0
        for user in queryset.exclude(pk=request.user.pk):
            otp.remove(user, by=request.user)
            security.end_all_sessions(user, reason="otp_reset")
            done += 1
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, _("Uw eigen tweestapsverificatie kunt u hier niet opnieuw instellen."),
                              level="error")
        if done:
            self.message_user(request, _("Tweestapsverificatie van %(n)s account(s) gewist; zij stellen die bij de "
                                         "volgende keer inloggen opnieuw in.") % {"n": done})

    def get_queryset(self, request):
        return _users_in_reach(request)

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser:
            obj.managed_by = _managed_boards(request).first()
        super().save_model(request, obj, form, change)
        access.clear_cache(obj)
        audit.record(request.user, audit.Action.UPDATE if change else audit.Action.CREATE, obj,
                     details={"fields": sorted(f for f in form.changed_data if f not in ("password", "password1", "password2"))})


@admin.register(AuditEvent, site=admin_site)
class AuditEventAdmin(admin.ModelAdmin):
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
