from django.urls import path

from accord.dashboard import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("simulator/", views.simulator_page, name="dashboard_simulator"),
]
