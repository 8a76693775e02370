"""The audit log page: /audit/ (vendor admins: every organisation; a customer admin: its own)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from accord.audit import registry, services
from accord.audit.forms import AuditFilterForm

PAGE_SIZE = 50


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not services.may_read(user):
        # A role's page, not an object: 403 says "not for your role" and confirms no row.
        # The API answers services.READ_REFUSED in English; a person reads it in their language.
        context = {"reason": gettext("only vendor admins and customer admins read the audit log")}
        return render(request, "audit/refused.html", context, status=403)
    form = AuditFilterForm(request.GET or None, user=user)  # type: ignore[arg-type]
    filters = services.Filters()
    if form.is_bound:
        form.is_valid()  # the form shows what is wrong with a filter; the valid ones apply
        filters = form.filters()
    found = services.entries(user, filters)  # type: ignore[arg-type]
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": entry,
            "type": registry.title_of(entry.object_type),
            "changes": [
                {**change, "label": registry.field_title(entry.object_type, change["field"])}
                for change in services.change_rows(entry)
            ],
        }
        for entry in page.object_list
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "all_organisations": services.may_choose_organisation(user),
    }
    return render(request, "audit/log.html", context)
