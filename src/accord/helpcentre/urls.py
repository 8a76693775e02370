from django.urls import path

from accord.helpcentre import views

urlpatterns = [
    path("", views.index, name="help_index"),
    path("sla/", views.sla_article, name="help_sla"),
    path("sla/versions/<int:number>/", views.sla_version, name="help_sla_version"),
    path("staff/least-helpful/", views.least_helpful, name="help_least_helpful"),
    path("<slug:slug>/", views.article, name="help_article"),
    path("<slug:slug>/vote/", views.vote, name="help_vote"),
]
