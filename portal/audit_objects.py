"""What the audit log shows of the portal's objects, and which of them belong to a pupil (audit.selectors;
registered in PortalConfig.ready())."""

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.selectors import pupil_name, register_describers
from portal.models import Invitation

LABELS = {"portal.invitation": _("uitnodiging voor het portaal")}


def objects_of_pupils(ids: list[int]) -> dict:
    return {"portal.invitation": Invitation.objects.filter(Q(pupil_id__in=ids) | Q(guardian__links__student_id__in=ids))}


# --- Human labels (audit.selectors.object_labels): one query per page --------------------------------------------


def _invitations(pks, school_ids):
    """An adult pupil's invitation names the pupil; a parent's names the parent where the school holds the child."""
    labels = {}
    for inv in Invitation.objects.filter(pk__in=pks).select_related("pupil", "guardian"):
        if inv.pupil_id:
            who = pupil_name(inv.pupil, school_ids)
        elif inv.guardian.school_id in school_ids:
            who = inv.guardian.name
        else:
            who = gettext("een ouder/verzorger")
        labels[inv.pk] = gettext("Uitnodiging voor het portaal — %(who)s") % {"who": who}
    return labels


register_describers({"portal.invitation": _invitations})
