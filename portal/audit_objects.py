"""What the audit log shows of the portal's objects, and which of them belong to a pupil (audit.selectors;
registered in PortalConfig.ready())."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Invitation

LABELS = {"portal.invitation": _("uitnodiging voor het portaal")}


def objects_of_pupils(ids: list[int]) -> dict:
    return {"portal.invitation": Invitation.objects.filter(Q(pupil_id__in=ids) | Q(guardian__links__student_id__in=ids))}
