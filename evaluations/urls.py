from django.urls import path

from . import pdf_views, views

app_name = "evaluations"

urlpatterns = [
    path("plan/<int:pk>/nieuw/", views.record, name="record"),
    path("<int:pk>/", views.detail, name="detail"),
    path("evaluatie/<int:pk>/pdf/", pdf_views.evaluation_pdf, name="pdf"),
    path("plan/<int:pk>/commissie/", views.commission_record, name="commission_record"),
    path("commissie/<int:pk>/", views.commission_detail, name="commission_detail"),
]
