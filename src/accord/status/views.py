"""The public status page, its Atom feed, email subscriptions and the staff's demo switch.

No login is needed for the page, the feed or subscribing. The page is server-rendered with no
JavaScript at all; forms post and redirect (Post/Redirect/Get). Links in emails that change
something (confirm, unsubscribe) show a page with a button, so a mail scanner following the
link changes nothing. What a signed-in customer sees besides the public page is its own month
(`panel.customer_panel`), never another organisation's.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accord.accounts.access import is_staff
from accord.accounts.ratelimit import over_the_rate
from accord.catalogue.models import Region
from accord.core.proxies import client_address
from accord.status import demo, panel, services, subscriptions
from accord.status.feeds import build_feed
from accord.status.forms import PageSubscribeForm, SimulateForm, SubscribeForm
from accord.status.models import Channel

logger = logging.getLogger(__name__)


def _page(request: HttpRequest, region: Region | None) -> HttpResponse:
    now = timezone.now()
    page = services.status_page(region, now=now)
    staff = is_staff(request.user)
    context = {
        "page": page,
        "region": region,
        "all_regions": page.all_regions,
        "panel": panel.customer_panel(request.user, now=now)  # type: ignore[arg-type]
        if request.user.is_authenticated
        else None,
        "staff": staff,
        "demo": staff and demo.demo_enabled(),
        "form": PageSubscribeForm(initial={"region": region}),
        "feed_url": reverse("status_region_feed", args=[region.code])
        if region
        else reverse("status_feed"),
        "calendar_url": _calendar_url(region),
    }
    return render(request, "status/page.html", context)


def _calendar_url(region: Region | None) -> str | None:
    """The iCalendar maintenance feed (accord.incidents), when it is mounted."""
    path = f"/status/{region.code}/maintenance.ics" if region else "/status/maintenance.ics"
    try:
        resolve(path)
    except Resolver404:
        return None
    return path


@require_safe
def overall(request: HttpRequest) -> HttpResponse:
    return _page(request, None)


@require_safe
def region_page(request: HttpRequest, region: str) -> HttpResponse:
    return _page(request, get_object_or_404(Region, code=region))


@require_safe
def feed(request: HttpRequest, region: str | None = None) -> HttpResponse:
    chosen = get_object_or_404(Region, code=region) if region is not None else None
    atom = build_feed(chosen, now=timezone.now())
    response = HttpResponse(content_type=f"{atom.content_type}")
    atom.write(response, "utf-8")
    return response


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """GET: the form on a page of its own; POST: an email subscription queues the
    confirmation email and goes back to the status page (the answer is the same whether or not
    the address was subscribed); a webhook's shows its signing secret, once; a Slack one says
    it is on and goes back."""
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        wait = _too_many_subscriptions(request)
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            form.add_error(
                None,
                ngettext(
                    "Too many subscriptions from your address: try again in %(n)d minute.",
                    "Too many subscriptions from your address: try again in %(n)d minutes.",
                    minutes,
                )
                % {"n": minutes},
            )
            return render(request, "status/subscribe.html", {"form": form}, status=429)
        data = form.cleaned_data
        region, modules = data["region"], list(data["modules"])
        now = timezone.now()
        if data["channel"] != Channel.EMAIL:
            with transaction.atomic():
                subscriber, secret = subscriptions.subscribe_hook(
                    data["channel"], data["url"], region, now=now, modules=modules
                )
            if subscriber.channel == Channel.WEBHOOK:
                return render(
                    request,
                    "status/webhook_secret.html",
                    {"subscriber": subscriber, "secret": secret, "back": _status_url(region)},
                )
            messages.success(request, gettext("Subscribed: status updates will go to Slack."))
            return redirect(_status_url(region))
        with transaction.atomic():
            queued = subscriptions.subscribe(
                data["email"],
                region,
                now=now,
                modules=modules,
                language=translation.get_language() or "",
            )
        logger.info("status subscription request (confirmation queued: %s)", queued)
        messages.success(
            request,
            gettext(
                "Almost done: we sent a link to %(email)s. Open it to confirm; nothing else "
                "is sent until you do."
            )
            % {"email": data["email"]},
        )
        return redirect(_status_url(region))
    status = 400 if request.method == "POST" else 200
    return render(request, "status/subscribe.html", {"form": form}, status=status)


def _too_many_subscriptions(request: HttpRequest) -> float | None:
    """Seconds to wait when the client's address has subscribed `ACCORD_SUBSCRIBE_RATE` times
    in the current period (anyone may subscribe, so a script must not flood the receivers or
    the confirmation emails), else None."""
    limit = settings.ACCORD_SUBSCRIBE_RATE
    if limit is None:
        return None
    requests, period = limit
    address = client_address(request) or "unknown"
    return over_the_rate(f"accord:subscribe:{address}", requests, period)


@csrf_exempt
@require_POST
def one_click_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058: a mail client POSTs `List-Unsubscribe=One-Click` to the List-Unsubscribe URL;
    the signed token is the authority (no session, no CSRF token). 404 for a token unknown."""
    with transaction.atomic():
        subscriber = subscriptions.unsubscribe(token, now=timezone.now())
    if subscriber is None:
        return HttpResponse(gettext("Unknown link."), status=404, content_type="text/plain")
    return HttpResponse(gettext("Unsubscribed."), content_type="text/plain; charset=utf-8")


def _status_url(region: Region | None) -> str:
    try:
        return reverse("status_region", args=[region.code]) if region else reverse("status_overall")
    except NoReverseMatch:  # pragma: no cover - a region code the URL pattern refuses
        return reverse("status_overall")


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    return _emailed_link(
        request,
        token,
        subscriptions.subscriber_for_confirmation,
        subscriptions.confirm,
        done=gettext("Subscribed: status updates will go to %(email)s."),
        template="status/confirm.html",
    )


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    return _emailed_link(
        request,
        token,
        subscriptions.subscriber_for_unsubscribe,
        subscriptions.unsubscribe,
        done=gettext("Unsubscribed: nothing more goes to %(email)s."),
        template="status/unsubscribe.html",
    )


def _emailed_link(
    request: HttpRequest,
    token: str,
    find: Callable[[str], Any],
    act: Callable[..., object],
    *,
    done: str,
    template: str,
) -> HttpResponse:
    """A link from a subscription email (confirm, unsubscribe): a page that asks (404 when the
    token is unknown or used); its POST acts, says `done` and returns to the status page."""
    subscriber = find(token)
    if subscriber is None:
        return render(request, "status/link_invalid.html", status=404)
    if request.method == "POST":
        with transaction.atomic():
            act(token, now=timezone.now())
        messages.success(request, done % {"email": subscriber.email or subscriber.url})
        return redirect(_status_url(subscriber.region))
    return render(request, template, {"subscriber": subscriber, "token": token})


@require_safe
def demo_health(request: HttpRequest, pk: int) -> HttpResponse:
    """The demo's stand-in health endpoint of a module-region, which its demo health check
    probes: 200 "ok", or 503 while the staff's switch has it down. Public, like any health
    endpoint, and 404 (as for a module-region that does not exist) unless the demo switch is
    enabled."""
    if not demo.demo_enabled():
        raise Http404("not found")
    module_region = demo.module_region_of(pk)
    if module_region is None:
        raise Http404("not found")
    down = demo.demo_health_down(module_region)
    response = HttpResponse(
        "down\n" if down else "ok\n", status=503 if down else 200, content_type="text/plain"
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def simulate(request: HttpRequest, pk: int) -> HttpResponse:
    """The staff's demo switch: open or close a simulated major outage. Anyone else, and
    everyone while the switch is off, gets 404 (as for a module-region that does not exist)."""
    if not (is_staff(request.user) and demo.demo_enabled()):
        raise Http404("not found")
    module_region = demo.module_region_of(pk)
    if module_region is None:
        raise Http404("not found")
    form = SimulateForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose to simulate an outage or to restore."))
        return redirect(_status_url(module_region.region))
    down = form.cleaned_data["action"] == "down"
    now = timezone.now()
    name = f"{module_region.module.name} ({module_region.region.name})"
    with transaction.atomic():
        probed = demo.has_demo_check(module_region)
        if probed:
            # The probes find out for themselves: the stand-in endpoint answers 503 (or 200).
            demo.set_demo_health(module_region, down=down, now=now)
            if not down:
                demo.simulate(module_region, down=False, now=now)
        else:
            demo.simulate(module_region, down=down, now=now)
    logger.info(
        "demo: %s %s by %s%s",
        "outage of" if down else "restored",
        module_region,
        request.user,
        " (via its health check)" if probed else "",
    )
    if probed:
        text = (
            gettext(
                "its health endpoint now fails; the probes confirm the outage after their "
                "consecutive failures (about half a minute)."
            )
            if down
            else gettext("its health endpoint answers again; the outage closes at the next check.")
        )
    else:
        text = (
            gettext("simulated major outage opened.")
            if down
            else gettext("simulated outage closed.")
        )
    messages.success(request, f"{name}: {text}")
    back = None if form.cleaned_data["back"] == "overall" else module_region.region
    return redirect(_status_url(back) + f"#module-{module_region.pk}")
