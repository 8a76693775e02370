import logging

from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accord.accounts.access import is_staff

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and uptime probes."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        # The details go to the log, not to an unauthenticated caller.
        logger.exception("healthz: database check failed")
        return JsonResponse({"status": "error", "database": connection.vendor}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@require_safe
def home(request: HttpRequest) -> HttpResponseRedirect:
    """Where "/" leads: the login page, the staff's queue, or a customer's tickets."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if is_staff(request.user):
        return redirect("queue")
    return redirect("ticket_list")
