"""The start page's long row lists in Python: "Mijn taken" (deadlines/_tasks.html, up to 20 rows) and the board
overview's overdue list (deadlines/_board_overview.html, up to 50 rows). Through the template language each row took
0.1 ms or more (two date filters, a counted blocktranslate or an include each: bench/pages.py); this renders exactly
the HTML those loops rendered, escaped as the template escapes it (tests/deadlines/test_row_tags.py holds both against
the template's own output)."""

from __future__ import annotations

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from opp_portal import dates

register = template.Library()


def _e(value) -> str:
    return conditional_escape(value)


def days_text(days_left: int, days_overdue: int) -> str:
    """What deadlines/_days.html says (escaped, with its closing newline)."""
    if days_left < 0:
        text = ngettext("%(n)s dag te laat", "%(n)s dagen te laat", days_overdue) % {"n": _e(localize(days_overdue))}
    elif days_left == 0:
        text = _e(gettext("vandaag is de laatste dag"))
    else:
        text = ngettext("nog %(n)s dag", "nog %(n)s dagen", days_left) % {"n": _e(localize(days_left))}
    return f"{text}\n"


@register.simple_tag
def task_rows(rows) -> SafeString:
    """The <tr> of each "Mijn taken" row (deadlines.selectors.TaskRow), as the loop in deadlines/_tasks.html."""
    by = _e(gettext("door"))
    out = []
    for row in rows:
        action = (f'<br><span class="small text-body-secondary">{by} {_e(row.action_who)} · {_e(row.kind_label)}</span>'
                  if row.action_label else "")
        out.append(
            f'\n      <tr>\n        <th scope="row"><a href="{_e(row.url)}">{_e(row.name or row.initials)}</a> '
            f'<span class="text-body-secondary">({_e(row.initials)})</span></th>\n'
            f"        <td>{_e(row.label)}{action}</td>\n"
            f"        <td>{_e(row.school_name)}</td>\n"
            f'        <td><time datetime="{_e(dates.formatted(row.due_on, "Y-m-d"))}">{_e(dates.formatted(row.due_on))}'
            f"</time><br>\n"
            f'          <span class="small">{days_text(row.days_left, row.days_overdue)}</span></td>\n'
            f'        <td><span class="badge status-{_e(row.status)}">{_e(row.status_label)}</span></td>\n'
            f"      </tr>\n    ")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def overdue_rows(rows) -> SafeString:
    """The <tr> of each row of the board overview's overdue list (deadlines.selectors.OverdueRow), as the loop in
    deadlines/_board_overview.html."""
    out = []
    for row in rows:
        initials = _e(row.initials)
        head = f'<a href="{_e(row.plan_url)}">{initials}</a>' if row.plan_url else initials
        if row.withdrawn_on:
            note = gettext("OPP ingetrokken op %(d)s") % {"d": _e(dates.formatted(row.withdrawn_on))}
            note = f'<span class="small text-body-secondary">({note})</span>\n          '
        elif row.ended_on:
            note = gettext("OPP beëindigd op %(d)s") % {"d": _e(dates.formatted(row.ended_on))}
            note = f'<span class="small text-body-secondary">({note})</span>\n          '
        elif not row.plan_url:
            note = f'<span class="small text-body-secondary">({_e(gettext("nog geen OPP gestart"))})</span>'
        else:
            note = ""
        late = ngettext("%(n)s dag te laat", "%(n)s dagen te laat", row.days_overdue) % {
            "n": _e(localize(row.days_overdue))}
        out.append(
            f'\n      <tr>\n        <th scope="row">{head}\n          {note}</th>\n'
            f"        <td>{_e(row.school_name)}</td>\n"
            f'        <td><time datetime="{_e(dates.formatted(row.due_on, "Y-m-d"))}">{_e(dates.formatted(row.due_on))}'
            f"</time></td>\n"
            f'        <td><span class="badge status-te_laat">{late}</span></td>\n'
            f"      </tr>\n    ")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
