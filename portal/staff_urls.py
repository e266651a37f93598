"""The portal's pages for staff, on a pupil's page under /leerlingen/<pk>/: inviting the parents and the adult
pupil to the portal, and the staff's copy of the inzage (AVG art. 15).

Pupils stand below the portal, so students/urls.py cannot name these views. The roof (opp_portal/urls.py) puts
them beside the pupil register's patterns in the one "students" namespace, so that they keep their paths and
their names (students:invite_guardian, students:invite_pupil, students:invitation_remind, students:inzage). Hence no app_name here.
"""

from django.urls import path

from . import inzage_views, staff_views

urlpatterns = [
    path("<int:pk>/ouders/<int:link_pk>/uitnodigen/", staff_views.invite_guardian, name="invite_guardian"),
    path("<int:pk>/uitnodigen/", staff_views.invite_pupil, name="invite_pupil"),
    path("<int:pk>/uitnodigingen/<int:invitation_pk>/herinnering/", staff_views.remind, name="invitation_remind"),
    path("<int:pk>/inzage/", inzage_views.staff_inzage, name="inzage"),
]
