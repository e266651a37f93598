from django.urls import path

from . import views

app_name = "disputes"

urlpatterns = [
    path("", views.dispute_list, name="list"),
    path("nieuw/", views.register, name="register"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/datums/", views.dates, name="dates"),
    path("<int:pk>/advies/", views.advice, name="advice"),
    path("<int:pk>/reactie/", views.response, name="response"),
    path("<int:pk>/sluiten/", views.close, name="close"),
    path("<int:pk>/documenten/", views.upload, name="upload"),
    path("<int:pk>/documenten/<int:doc_pk>/", views.document, name="document"),
    path("<int:pk>/brief/", views.letter, name="letter"),
    path("<int:pk>/dossier/", views.export, name="export"),
    path("<int:pk>/dossier/<int:export_pk>/", views.export_status, name="export_status"),
    path("<int:pk>/dossier/<int:export_pk>/download/", views.export_download, name="export_download"),
    path("scholen/<int:school_pk>/documenten/", views.school_documents, name="school_documents"),
    path("scholen/<int:school_pk>/documenten/<int:doc_pk>/", views.school_document, name="school_document"),
]
