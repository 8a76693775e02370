from django.urls import path, re_path

from accord.reports import views

MONTH = r"(?P<month>[0-9]{4}-[0-9]{2})"
SLUG = r"(?P<slug>[-a-zA-Z0-9_]+)"

urlpatterns = [
    path("", views.index, name="report_index"),
    re_path(rf"^{SLUG}/{MONTH}/$", views.detail, name="report_detail"),
    re_path(rf"^{SLUG}/{MONTH}/(?P<fmt>pdf|csv|json)/$", views.export, name="report_export"),
    re_path(rf"^{SLUG}/{MONTH}/versions/$", views.versions, name="report_versions"),
    re_path(rf"^{SLUG}/{MONTH}/v(?P<number>[0-9]+)/$", views.version_detail, name="report_version"),
    re_path(
        rf"^{SLUG}/{MONTH}/v(?P<number>[0-9]+)/(?P<fmt>pdf|csv|json)/$",
        views.version_export,
        name="report_version_export",
    ),
    re_path(rf"^{SLUG}/{MONTH}/regenerate/$", views.regenerate, name="report_regenerate"),
]
