from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.staff_start, name="staff_start"),
    path("account/berichten/", views.notification_preferences, name="notification_preferences"),
]
