"""The SWV's request lead time (swv.models.LeadTime) in the beheer site, beside the samenwerkingsverbanden it belongs to.

A samenwerkingsverband serves the schools of several boards; its beheerders (the role that maintains the SWVs,
security.admin.SamenwerkingsverbandAdmin) maintain its lead time the same way. No pupil data here. Every change is
audited; a lead time is changed, never deleted by a beheerder (the default of OPP_TLV_LEAD_WEEKS would silently
take over).
"""

from __future__ import annotations

from django.contrib import admin

from audit import log as audit
from security.admin import ScopedAdmin, admin_site

from .models import LeadTime


@admin.register(LeadTime, site=admin_site)
class LeadTimeAdmin(ScopedAdmin):
    list_display = ("samenwerkingsverband", "rule", "day", "month", "weeks", "updated_at")
    list_select_related = ("samenwerkingsverband",)
    search_fields = ("samenwerkingsverband__code", "samenwerkingsverband__name")
    fields = ("samenwerkingsverband", "rule", "day", "month", "weeks")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(request.user, audit.Action.UPDATE if change else audit.Action.CREATE, obj,
                     details={"fields": sorted(form.changed_data)})
