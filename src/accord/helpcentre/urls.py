from django.urls import path

from accord.helpcentre import views

urlpatterns = [
    path("", views.index, name="help_index"),
    path("sla/", views.sla_article, name="help_sla"),
    path("sla/versions/<int:number>/", views.sla_version, name="help_sla_version"),
    path("sla/published/<slug:policy_id>/", views.sla_published, name="help_sla_published"),
    path("staff/least-helpful/", views.least_helpful, name="help_least_helpful"),
    path("staff/articles/", views.staff_articles, name="help_staff_articles"),
    path("staff/articles/new/", views.staff_article_new, name="help_staff_article_new"),
    path("staff/articles/<int:pk>/", views.staff_article, name="help_staff_article"),
    path(
        "staff/articles/<int:pk>/versions/<int:number>/",
        views.staff_article_version,
        name="help_staff_article_version",
    ),
    path("<slug:slug>/", views.article, name="help_article"),
    path("<slug:slug>/vote/", views.vote, name="help_vote"),
]
