"""The status page's URLs, mounted at /status/ (fixed paths before the region's)."""

from django.urls import path

from accord.status import views

urlpatterns = [
    path("", views.overall, name="status_overall"),
    path("feed.atom", views.feed, name="status_feed"),
    path("subscribe/", views.subscribe, name="status_subscribe"),
    path("subscription/<str:token>/confirm/", views.confirm, name="status_confirm"),
    path("subscription/<str:token>/unsubscribe/", views.unsubscribe, name="status_unsubscribe"),
    path(
        "subscription/<str:token>/one-click/", views.one_click_unsubscribe, name="status_one_click"
    ),
    path("simulate/<int:pk>/", views.simulate, name="status_simulate"),
    path("demo-health/<int:pk>/", views.demo_health, name="status_demo_health"),
    path("<slug:region>/", views.region_page, name="status_region"),
    path("<slug:region>/feed.atom", views.feed, name="status_region_feed"),
]
