from django.urls import include, path

from . import inzage_views, pdf_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("leerling/<int:pk>/", views.child, name="child"),
    path("leerling/<int:pk>/inzage/", inzage_views.portal_inzage, name="inzage"),
    path("versie/<int:pk>/", views.version_detail, name="version"),
    path("versie/<int:pk>/reageren/", views.react, name="react"),
    path("versie/<int:pk>/pdf/", pdf_views.portal_version_pdf, name="version_pdf"),
    path("versie/<int:pk>/bekendmaking/", pdf_views.portal_bekendmaking_letter, name="bekendmaking_letter"),
    path("instemming/<int:pk>/", views.answer, name="answer"),
    path("evaluatie/<int:pk>/reageren/", views.evaluation_react, name="evaluation_react"),
    path("evaluatie/<int:pk>/pdf/", pdf_views.portal_evaluation_pdf, name="evaluation_pdf"),
    path("geschil/<int:pk>/reactiebrief/", pdf_views.portal_dispute_letter, name="dispute_letter"),
    path("", include("portal.swv_urls")),
    path("uitnodiging/", views.invitation_exchange, name="invitation_exchange"),
    path("uitnodiging/account/", views.invitation_account, name="invitation_account"),
    path("uitnodiging/<str:token>/", views.invitation_landing, name="invitation_landing"),
]
