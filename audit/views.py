"""The audit log for the schoolleider (own school) and the bestuurder (the board's schools).

Who did what, with which object, when and from where — never content (DOMAIN "Retention and privacy").
Only rows that belong to a school are shown; logins and other rows without a school are not in a school's log.
Reading the log is itself logged (VIEW), and so is every CSV export (EXPORT), with the names of the filters
used but not their values (a filter value may be a pupil number).
"""

from __future__ import annotations

import csv
import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import access as audit_access
from audit import log as audit
from audit.forms import AuditFilterForm
from audit.models import AuditEvent
from audit.selectors import events_for_schools, find_pupils, object_labels, object_type_label, pupil_condition
from opp_portal import uploads

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
def _local_day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=AMSTERDAM)


def _filtered(form: AuditFilterForm, schools) -> tuple:
    """(queryset, names of the filters applied, the pupils filtered on). Invalid fields are skipped."""
    form.is_valid()  # fills cleaned_data with the valid fields and errors for the others
    data = form.cleaned_data
    school_ids = [s.pk for s in schools]
    if data.get("school"):
        school_ids = [int(data["school"])]
    qs = events_for_schools(school_ids)
    used, pupils = [], []
    if data.get("van"):
        qs = qs.filter(at__gte=_local_day_start(data["van"]))
        used.append("van")
    if data.get("tot"):
        qs = qs.filter(at__lt=_local_day_start(data["tot"] + datetime.timedelta(days=1)))
        used.append("tot")
    if data.get("handeling"):
        qs = qs.filter(action=data["handeling"])
        used.append("handeling")
    if data.get("persoon"):
        # A portal account's username is a private email address: it is searched by its pseudonym only.
        qs = qs.filter((Q(actor__username__icontains=data["persoon"])
                        & ~Q(actor_label__startswith=audit.PORTAL_LABEL_PREFIX))
                       | Q(actor_label__icontains=data["persoon"]))
        used.append("persoon")
    if data.get("leerling") or data.get("leerling_id"):
        # Only pupils of the schools this log covers: another school's pupil number finds nothing.
        pupils = find_pupils(school_ids, number=data.get("leerling") or None, pk=data.get("leerling_id") or None)
        if pupils:
            qs = qs.filter(pupil_condition([p.pk for p in pupils]))
            used.extend(name for name in ("leerling", "leerling_id") if data.get(name))
        elif data.get("leerling"):
            form.add_error("leerling", _("Er is geen leerling met dit leerlingnummer op de gekozen school of scholen; "
                                         "dit filter is niet toegepast."))
        else:
            form.add_error(None, _("Deze leerling hoort niet bij de gekozen school of scholen; "
                                   "het filter op de leerling is niet toegepast."))
    if data.get("school"):
        used.append("school")
    return qs, used, pupils


def _log_school(form: AuditFilterForm, schools) -> int | None:
    """The school the log-reading row belongs to: the one chosen, or the only one."""
    chosen = form.cleaned_data.get("school")
    if chosen:
        return int(chosen)
    return schools[0].pk if len(schools) == 1 else None


def _who(event: AuditEvent, known: set[int]) -> tuple[str, str]:
    """(name, username) as this viewer may see them: a parent or adult pupil by their pseudonym unless one of the
    viewer's schools holds their child (audit.people_known_to); staff by name and work account."""
    if event.actor is None or (audit.is_pseudonymous(event) and event.actor_id not in known):
        return event.actor_label, event.actor_label
    return event.actor.get_full_name() or event.actor.get_username(), event.actor.get_username()


def _rows(events, school_ids) -> list[dict]:
    events = list(events)
    known = audit.people_known_to({e.actor_id for e in events if e.actor_id and audit.is_pseudonymous(e)},
                                  set(school_ids))
    labels = object_labels(events, school_ids)  # one query per object type, never one per row
    rows = []
    for e in events:
        who, username = _who(e, known)
        rows.append({"event": e, "who": who, "username": username,
                     "object_label": object_type_label(e.object_type) if e.object_type else "",
                     "object_name": labels.get((e.object_type, e.object_id), "")})
    return rows


@login_required
def audit_log(request):
    schools = audit_access.log_schools(request.user)
    form = AuditFilterForm(request.GET, schools=schools)
    qs, used, pupils = _filtered(form, schools)
    log_marker = AuditEvent()  # object_type "audit.auditevent": the row says "the log" was read
    if request.GET.get("format") == "csv":
        return _export(request, qs, used, school=_log_school(form, schools), marker=log_marker,
                       school_ids=[school.pk for school in schools])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("pagina"))
    rows = _rows(page.object_list, [school.pk for school in schools])
    audit.record(request.user, audit.Action.VIEW, log_marker, school=_log_school(form, schools),
                 details={"filters": used, "page": page.number})
    query = request.GET.copy()
    query.pop("pagina", None)
    query.pop("format", None)
    without_pupil = query.copy()
    without_pupil.pop("leerling_id", None)
    return render(request, "audit/audit_log.html", {
        "form": form, "page": page, "rows": rows, "schools": schools, "pupils": pupils,
        "querystring": query.urlencode(), "without_pupil": without_pupil.urlencode(),
        "export_limit": EXPORT_LIMIT, "over_limit": page.paginator.count > EXPORT_LIMIT,
    })


def _export(request, qs, used, *, school, marker, school_ids) -> HttpResponse:
    events = list(qs[:EXPORT_LIMIT + 1])
    truncated = len(events) > EXPORT_LIMIT
    events = events[:EXPORT_LIMIT]
    audit.record(request.user, audit.Action.EXPORT, marker, school=school,
                 details={"filters": used, "format": "csv", "rows": len(events), "truncated": truncated})
    stamp = timezone.localtime(timezone.now(), AMSTERDAM).strftime("%Y%m%d-%H%M")
    response = uploads.attachment("", "text/csv; charset=utf-8", f"logboek-{stamp}.csv")
    response.write("\ufeff")  # Excel reads UTF-8 only with the byte order mark
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("Tijdstip"), _("Wie"), _("Gebruikersnaam"), _("Handeling"), _("Soort object"),
                     _("Object-id"), _("School"), _("IP-adres"), _("Object")])
    for row in _rows(events, school_ids):
        e = row["event"]
        writer.writerow([uploads.spreadsheet_cell(v) for v in (
            timezone.localtime(e.at, AMSTERDAM).strftime("%Y-%m-%d %H:%M:%S"), row["who"], row["username"],
            e.get_action_display(), row["object_label"], e.object_id, e.school.name if e.school else "", e.ip_address,
            row["object_name"])])
    if truncated:
        writer.writerow([uploads.spreadsheet_cell(_(
            "Let op: de export bevat alleen de nieuwste %(n)s regels. Verklein de selectie met de filters om de rest "
            "te exporteren.") % {"n": f"{EXPORT_LIMIT:,}".replace(",", ".")})])
    return response
