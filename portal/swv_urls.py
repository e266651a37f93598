"""The parents' pages of the requests to the samenwerkingsverband (portal/swv_views.py), included in portal/urls.py."""

from django.urls import path

from . import swv_views

urlpatterns = [
    path("leerling/<int:pk>/aanvragen-swv/", swv_views.swv_requests_list, name="swv_requests"),
    path("aanvraag-swv/<int:pk>/", swv_views.swv_request, name="swv_request"),
]
