from django.urls import path

from . import overview_views

urlpatterns = [
    path("overzicht/school/", overview_views.school_overview, name="overview_school"),
    path("overzicht/bestuur/", overview_views.board_overview, name="overview_board"),
]
