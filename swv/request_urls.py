"""The URLs of the requests to the SWV, included in swv/urls.py (namespace "swv")."""

from django.urls import path

from . import request_views as views

urlpatterns = [
    path("leerlingen/<int:pk>/aanvragen/", views.request_list, name="request_list"),
    path("leerlingen/<int:pk>/aanvragen/nieuw/", views.request_compose, name="request_compose"),
    path("aanvragen/<int:pk>/", views.request_detail, name="request_detail"),
    path("aanvragen/<int:pk>/bijlage/", views.request_attach, name="request_attach"),
    path("aanvragen/<int:pk>/ouders-informeren/", views.request_inform, name="request_inform"),
    path("aanvragen/<int:pk>/klaar/", views.request_ready, name="request_ready"),
    path("aanvragen/<int:pk>/pakket.pdf", views.request_pdf, name="request_pdf"),
    path("aanvragen/<int:pk>/pakket.json", views.request_json, name="request_json"),
    path("aanvragen/<int:pk>/ingediend/", views.request_hand_in, name="request_hand_in"),
    path("aanvragen/<int:pk>/besluit/", views.request_decide, name="request_decide"),
    path("aanvragen/<int:pk>/intrekken/", views.request_withdraw, name="request_withdraw"),
]
