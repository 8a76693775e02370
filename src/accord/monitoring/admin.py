"""The Prometheus feeds are set up in Django's admin (/admin/), by the vendor's superuser."""

from django.contrib import admin

from accord.monitoring.models import PrometheusFeed


@admin.register(PrometheusFeed)
class PrometheusFeedAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "active", "pulled_until", "last_error"]
    readonly_fields = ["pulled_until", "last_error"]
