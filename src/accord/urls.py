"""Every URL of Accord: the pages for people, the JSON API, the admin and the health check."""

from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path

from accord.accounts import contract_views, passwords, two_factor
from accord.accounts import views as accounts
from accord.api import api
from accord.core import views as core_views
from accord.helpdesk import assignment_views, export_views, restoration_views
from accord.helpdesk import list_views as helpdesk_lists
from accord.helpdesk import views as helpdesk
from accord.incidents import views as incidents
from accord.releases import views as releases

urlpatterns = [
    # First: every API request would otherwise be tried against each page's pattern.
    path("api/", api.urls),
    path("", accounts.home, name="home"),
    # Accounts
    path("accounts/login/", accounts.login_view, name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),  # POST only
    path("accounts/password/reset/", passwords.PasswordReset.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        passwords.PasswordResetDone.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        passwords.PasswordResetComplete.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/two-factor/code/", two_factor.verify, name="two_factor_verify"),
    path("accounts/two-factor/", two_factor.setup, name="two_factor_setup"),
    path("accounts/two-factor/policy/", two_factor.policy, name="two_factor_policy"),
    path("accounts/password/", passwords.PasswordChange.as_view(), name="password_change"),
    path("accounts/sso/", include("accord.accounts.sso_urls")),  # 404 unless SSO is configured
    path(
        "accounts/invitation/<str:token>/",
        accounts.accept_invitation_view,
        name="accept_invitation",
    ),
    path("accounts/people/", accounts.people, name="people"),
    path("accounts/people/<int:pk>/", accounts.person_change, name="person_change"),
    path("accounts/tokens/", accounts.tokens, name="tokens"),
    path("accounts/settings/", accounts.account_settings, name="account_settings"),
    path("accounts/tokens/<int:pk>/revoke/", accounts.revoke_token, name="token_revoke"),
    path(
        "contracts/<slug:organisation>/terms/", contract_views.contract_terms, name="contract_terms"
    ),
    path(
        "contracts/<slug:organisation>/terms/new/",
        contract_views.contract_terms_new,
        name="contract_terms_new",
    ),
    # Help desk
    path("queue/", helpdesk_lists.queue, name="queue"),
    path("tickets/", helpdesk_lists.ticket_list, name="ticket_list"),
    path("tickets/new/", helpdesk.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", helpdesk.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/comment/", helpdesk.ticket_comment, name="ticket_comment"),
    path("tickets/<int:pk>/attach/", helpdesk.ticket_attach, name="ticket_attach"),
    path("tickets/<int:pk>/designate/", helpdesk.ticket_designate, name="ticket_designate"),
    path("tickets/<int:pk>/answer/", helpdesk.ticket_answer, name="ticket_answer"),
    path("tickets/<int:pk>/status/", helpdesk.ticket_status, name="ticket_status"),
    path("tickets/<int:pk>/close/", helpdesk.ticket_close, name="ticket_close"),
    path("tickets/<int:pk>/reopen/", helpdesk.ticket_reopen, name="ticket_reopen"),
    path("tickets/<int:pk>/pause/", helpdesk.ticket_pause, name="ticket_pause"),
    path("tickets/<int:pk>/resume/", helpdesk.ticket_resume, name="ticket_resume"),
    path("tickets/<int:pk>/propose/", helpdesk.ticket_propose, name="ticket_propose"),
    path("tickets/<int:pk>/settle/", helpdesk.ticket_settle, name="ticket_settle"),
    path("tickets/<int:pk>/assign/", assignment_views.ticket_assign, name="ticket_assign"),
    path("tickets/export.csv", export_views.ticket_export, name="ticket_export"),
    path("queue/export.csv", export_views.queue_export, name="queue_export"),
    path("agent-groups/", assignment_views.agent_groups, name="agent_groups"),
    path("attachments/<int:pk>/", helpdesk.attachment_download, name="attachment_download"),
    # Contested restorations
    path("tickets/<int:pk>/contest/", restoration_views.ticket_contest, name="ticket_contest"),
    path(
        "tickets/<int:pk>/contest/answer/",
        restoration_views.ticket_contest_answer,
        name="ticket_contest_answer",
    ),
    # Incidents, external monitors and maintenance (staff pages; the calendar is public)
    path(
        "tickets/<int:pk>/confirm-outage/",
        incidents.ticket_confirm_outage,
        name="ticket_confirm_outage",
    ),
    path("incidents/", incidents.incident_list, name="incident_list"),
    path("incidents/new/", incidents.incident_new, name="incident_new"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/update/", incidents.incident_update, name="incident_update"),
    path("incidents/<int:pk>/impact/", incidents.incident_impact, name="incident_impact"),
    path("incidents/<int:pk>/resolve/", incidents.incident_resolve, name="incident_resolve"),
    path("monitors/", incidents.sources, name="external_sources"),
    path("monitors/<int:pk>/token/", incidents.source_rotate, name="external_source_rotate"),
    path("maintenance/schedule/", incidents.maintenance_schedule, name="maintenance_schedule"),
    path(
        "maintenance/schedule/<int:pk>/cancel/",
        incidents.maintenance_cancel,
        name="maintenance_cancel",
    ),
    path("maintenance/", incidents.maintenance_calendar, name="maintenance_calendar"),
    path(
        "maintenance/<slug:region>/",
        incidents.maintenance_region_calendar,
        name="maintenance_region_calendar",
    ),
    path("status/maintenance.ics", incidents.maintenance_ics, name="maintenance_ics"),
    path(
        "status/<slug:region>/maintenance.ics",
        incidents.maintenance_region_ics,
        name="maintenance_region_ics",
    ),
    # The release calendar: a portal page and a public iCalendar feed per region
    path("releases/", releases.release_calendar, name="release_calendar"),
    path("releases/<slug:region>.ics", releases.release_ics, name="release_ics"),
    # The help centre (public articles, the SLA from the policy)
    path("help/", include("accord.helpcentre.urls")),
    # The public status page, its feed and email subscriptions
    path("status/", include("accord.status.urls")),
    # The vendor's SLA dashboard and the contract simulator (staff)
    path("dashboard/", include("accord.dashboard.urls")),
    # Monthly SLA reports and their exports (customer admins: their own; staff: all)
    path("reports/", include("accord.reports.urls")),
    # The audit log (vendor admins: every organisation; a customer admin: its own)
    path("audit/", include("accord.audit.urls")),
    # Machines and the vendor's staff
    # The admin's own sign-in would skip the two-factor step: it goes to Accord's sign-in.
    path("admin/login/", accounts.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    # The language switch of the footer (Django's set_language, POST)
    path("i18n/", include("django.conf.urls.i18n")),
]
