from django.contrib import admin
from django.urls import path

from accord.api import api
from accord.core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/", api.urls),
]
