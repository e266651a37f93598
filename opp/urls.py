from django.urls import path

from . import adoption_views, bekendmaking_views, consent_views, pdf_views, views

app_name = "opp"

urlpatterns = [
    path("starten/<int:student_pk>/", views.plan_start, name="start"),
    path("<int:pk>/", views.plan_detail, name="plan"),
    path("<int:pk>/bijstellen/", views.revision_start, name="revision_start"),
    path("<int:pk>/intrekken/", views.plan_withdraw, name="withdraw"),
    path("<int:pk>/overleg/nieuw/", views.consultation_add, name="consultation_add"),
    path("<int:pk>/overleg/<int:consultation_pk>/", views.consultation_edit, name="consultation_edit"),
    path("versie/<int:pk>/", views.version_editor, name="version"),
    path("versie/<int:pk>/onderdeel-opslaan/", views.version_autosave, name="version_autosave"),
    path("versie/<int:pk>/in-overleg/", views.version_to_overleg, name="to_overleg"),
    path("versie/<int:pk>/verschil/", views.version_diff, name="diff"),
    path("versie/<int:pk>/instemming-vragen/", consent_views.request_send, name="consent_request"),
    path("instemming/<int:pk>/intrekken/", consent_views.request_withdraw, name="consent_withdraw"),
    path("instemming/<int:pk>/herinneren/", consent_views.request_remind, name="consent_remind"),
    path("instemming/<int:pk>/papier/", consent_views.paper, name="consent_paper"),
    path("instemming/antwoord/<int:pk>/scan/", consent_views.scan, name="consent_scan"),
    path("reactie/<int:pk>/", consent_views.reaction_respond, name="reaction_respond"),
    path("versie/<int:pk>/aanbieden/", adoption_views.submit, name="submit"),
    path("versie/<int:pk>/pdf/", pdf_views.version_pdf, name="version_pdf"),
    path("versie/<int:pk>/archief.pdf", adoption_views.archived_pdf, name="archived_pdf"),
    path("versie/<int:pk>/bekendmaking/", bekendmaking_views.record, name="bekendmaking_record"),
    path("versie/<int:pk>/bekendmaking/<str:party>/brief.pdf", bekendmaking_views.letter, name="bekendmaking_letter"),
    path("<int:pk>/intrekking/bekendmaking/", bekendmaking_views.record_withdrawal, name="withdrawal_notice_record"),
    path("<int:pk>/intrekking/bekendmaking/<str:party>/brief.pdf", bekendmaking_views.letter_withdrawal,
         name="withdrawal_notice_letter"),
    path("vaststellen/", adoption_views.queue, name="adoption_queue"),
    path("vaststellen/<int:pk>/", adoption_views.review, name="adoption_review"),
    path("verifieren/", adoption_views.verify, name="verify"),
]
