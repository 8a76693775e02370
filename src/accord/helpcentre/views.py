"""The help centre's pages: plain HTML and forms, no JavaScript."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accord.accounts.access import is_staff
from accord.core.display import viewer_zone
from accord.helpcentre import sla
from accord.helpcentre.models import Article, SlaVersion, Vote
from accord.helpcentre.rendering import render_markdown
from accord.helpcentre.search import search

SLA_SLUG = "sla"


def visible_articles(request: HttpRequest, *, drafts: bool = False) -> QuerySet[Article]:
    """Published articles (org-only ones for anyone signed in); drafts too for the staff's
    preview when `drafts`."""
    user = request.user
    articles = Article.objects.all()
    if not (drafts and is_staff(user)):
        articles = articles.filter(status=Article.Status.PUBLISHED)
    if not (user.is_authenticated and user.is_active):
        articles = articles.filter(visibility=Article.Visibility.PUBLIC)
    return articles


def _reader(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if not request.session.session_key:
        request.session.save()
    return f"session:{request.session.session_key}"


def _votes(request: HttpRequest, slug: str) -> dict[str, object]:
    votes = Vote.objects.filter(article_slug=slug)
    mine = None
    if request.user.is_authenticated:
        mine = votes.filter(reader=f"user:{request.user.pk}").first()
    elif request.session.session_key:
        mine = votes.filter(reader=f"session:{request.session.session_key}").first()
    return {"helpful_count": votes.filter(helpful=True).count(), "my_vote": mine}


def index(request: HttpRequest) -> HttpResponse:
    articles = visible_articles(request)
    query = request.GET.get("q", "").strip()
    results = search(query, articles) if query else None
    categories: dict[str, list[Article]] = {}
    for article in articles:
        categories.setdefault(article.category, []).append(article)
    return render(
        request,
        "helpcentre/index.html",
        {"categories": categories, "query": query, "results": results},
    )


def article(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(visible_articles(request, drafts=True), slug=slug)
    return render(
        request,
        "helpcentre/article.html",
        {
            "article": item,
            "body": render_markdown(item.body),
            "updated": item.updated_at,
            "vote_url": reverse("help_vote", kwargs={"slug": item.slug}),
            **_votes(request, item.slug),
        },
    )


def _reader_zone(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return viewer_zone(request.user)
    return sla.DEFAULT_READER_ZONE


def _sla_page(request: HttpRequest, version: SlaVersion, current: bool) -> HttpResponse:
    return render(
        request,
        "helpcentre/sla.html",
        {
            "version": version,
            "current": current,
            "body": render_markdown(version.body),
            "windows": sla.windows_in_zones(version.policy_data, _reader_zone(request)),
            "versions": SlaVersion.objects.order_by("-number"),
            "vote_url": reverse("help_vote", kwargs={"slug": SLA_SLUG}),
            **_votes(request, SLA_SLUG),
        },
    )


def sla_article(request: HttpRequest) -> HttpResponse:
    return _sla_page(request, sla.publish(), current=True)


def sla_version(request: HttpRequest, number: int) -> HttpResponse:
    version = get_object_or_404(SlaVersion, number=number)
    latest = SlaVersion.objects.order_by("-number").first()
    return _sla_page(request, version, current=latest is not None and latest.pk == version.pk)


@require_POST
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    if slug == SLA_SLUG:
        target = reverse("help_sla")
    else:
        item = get_object_or_404(visible_articles(request), slug=slug)
        target = reverse("help_article", kwargs={"slug": item.slug})
    answer = request.POST.get("helpful")
    if answer not in ("yes", "no"):
        return HttpResponseRedirect(target)
    user = request.user if request.user.is_authenticated else None
    try:
        with transaction.atomic():
            Vote.objects.create(
                article_slug=slug,
                reader=_reader(request),
                user=user,
                helpful=answer == "yes",
                comment=request.POST.get("comment", "").strip()[:2000],
            )
    except IntegrityError:
        pass  # one vote per reader and article: the first stands
    return HttpResponseRedirect(target + "#helpful")


@login_required
def least_helpful(request: HttpRequest) -> HttpResponse:
    if not is_staff(request.user):
        raise Http404("not found")
    rows = (
        Vote.objects.values("article_slug")
        .annotate(yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False)))
        .order_by("-no", "yes", "article_slug")
    )
    comments = Vote.objects.exclude(comment="").order_by("-created_at")[:100]
    return render(request, "helpcentre/least_helpful.html", {"rows": rows, "comments": comments})
