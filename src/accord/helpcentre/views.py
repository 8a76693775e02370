"""The help centre's pages: plain HTML and forms, no JavaScript."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accord.accounts.access import is_staff
from accord.core.display import viewer_zone
from accord.helpcentre import published, services, sla
from accord.helpcentre.forms import ACTIONS, DISCARD, PREVIEW, PUBLISH, ArticleForm
from accord.helpcentre.models import Article, ArticleVersion, SlaVersion, Vote
from accord.helpcentre.rendering import render_markdown
from accord.helpcentre.search import search, sla_matches
from accord.helpcentre.services import Content, StaleEdit

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
    sla_found = bool(query) and sla_matches(query, sla.publish())
    categories: dict[str, list[Article]] = {}
    for article in articles:
        categories.setdefault(article.category, []).append(article)
    return render(
        request,
        "helpcentre/index.html",
        {"categories": categories, "query": query, "results": results, "sla_found": sla_found},
    )


def article(request: HttpRequest, slug: str) -> HttpResponse:
    """The published text for everyone; for staff, an unpublished article's latest draft, and
    a note when a published one has a draft waiting."""
    item = get_object_or_404(visible_articles(request, drafts=True), slug=slug)
    staff = is_staff(request.user)
    shown: Article | Any = item
    if staff and item.status == Article.Status.DRAFT:
        shown = services.latest_revision(item) or item
    return render(
        request,
        "helpcentre/article.html",
        {
            "article": item,
            "title": shown.title,
            "body": render_markdown(shown.body),
            "updated": item.updated_at,
            "staff": staff,
            "pending": services.pending_draft(item) if staff else None,
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


def sla_published(request: HttpRequest, policy_id: str) -> HttpResponse:
    """A published SLA shipped as a policy file (public, like the SLA article)."""
    return render(request, "helpcentre/published_sla.html", published.page(policy_id))


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


# --- the staff's article editor ---------------------------------------------------------------


def _require_staff(request: HttpRequest) -> None:
    if not is_staff(request.user):
        raise Http404("not found")


@login_required
def staff_articles(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    rows = [
        {
            "article": item,
            "pending": services.pending_draft(item),
            "version": services.last_published(item),
        }
        for item in Article.objects.order_by("category", "title")
    ]
    return render(request, "helpcentre/staff_articles.html", {"rows": rows})


def _base(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("base", ""))
    except ValueError:
        return None


def _stale_message(stale: StaleEdit) -> str:
    """The service's refusal, in the editor's language."""
    latest = stale.latest
    return gettext(
        "%(who)s saved revision %(number)s of this article while you were editing. Your text "
        "is below, not saved: compare it with theirs, then save or publish again."
    ) % {
        "who": latest.author.email if latest.author else gettext("someone"),
        "number": latest.number,
    }


def _editor(request: HttpRequest, item: Article | None) -> HttpResponse:
    """New and edit: Preview renders the posted text and saves nothing; Save draft keeps it as
    a revision (a published article's page does not change); Publish makes it live."""
    new = item is None
    latest = services.latest_revision(item) if item else None
    preview = None
    theirs = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        form = ArticleForm(request.POST, new=new)
        if action == DISCARD and item is not None:
            try:
                services.discard_draft(article=item, author=request.user, base=_base(request))
            except StaleEdit as stale:
                messages.error(request, _stale_message(stale))
            else:
                messages.success(
                    request, gettext("Draft discarded: the page keeps its published text.")
                )
            return redirect("help_staff_article", pk=item.pk)
        if action not in ACTIONS or action == DISCARD:
            form.is_valid()
            form.add_error(None, gettext("Choose Preview, Save draft or Publish."))
        elif form.is_valid() and action == PREVIEW:
            preview = render_markdown(form.cleaned_data["body"])
        elif form.is_valid():
            content = form.content()
            author = request.user
            try:
                with transaction.atomic():
                    if item is None:
                        item = services.create_article(
                            slug=form.cleaned_data["slug"], content=content, author=author
                        )
                        base = 1
                    else:
                        base = form.cleaned_data["base"]
                    if action == PUBLISH:
                        version = services.publish(
                            article=item, content=content, author=author, base=base
                        )
                        note = gettext("Published as version %(number)s.") % {
                            "number": version.number
                        }
                    else:
                        revision = services.save_draft(
                            article=item, content=content, author=author, base=base
                        )
                        if services.is_published(item):
                            note = gettext(
                                "Draft saved as revision %(number)s; "
                                "readers still see the published text."
                            )
                        else:
                            note = gettext(
                                "Draft saved as revision %(number)s; "
                                "the article is not published yet."
                            )
                        note %= {"number": revision.number}
            except StaleEdit as stale:
                data = request.POST.copy()
                data["base"] = str(stale.latest.number)
                form = ArticleForm(data, new=new)
                form.is_valid()
                form.add_error(None, _stale_message(stale))
                theirs = stale.latest
                latest = stale.latest
            else:
                messages.success(request, note)
                return redirect("help_staff_article", pk=item.pk)
    else:
        source = (services.pending_draft(item) or item) if item else None
        initial: dict[str, object] = {"base": latest.number if latest else 0}
        if source is not None:
            initial.update(vars(Content.of(source)))
        form = ArticleForm(initial=initial, new=new)
    pending = services.pending_draft(item) if item and not new else None
    return render(
        request,
        "helpcentre/editor.html",
        {
            "form": form,
            "article": item if not new else None,
            "pending": pending,
            # What the pending draft would change in what readers see.
            "changes": services.compare(Content.of(item), Content.of(pending))
            if item is not None and pending is not None and services.is_published(item)
            else [],
            "published": bool(item and not new and services.is_published(item)),
            "preview": preview,
            "theirs": theirs,
            "theirs_body": render_markdown(theirs.body) if theirs else None,
            "versions": item.versions.order_by("-number") if item and not new else [],
            "revisions": item.revisions.order_by("-number")[:20] if item and not new else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_article_new(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    return _editor(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def staff_article(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    return _editor(request, get_object_or_404(Article, pk=pk))


@login_required
def staff_article_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """A published version as readers saw it. Staff only: the public reads the current text
    (docs/help-centre.md says why)."""
    _require_staff(request)
    version = get_object_or_404(ArticleVersion, article_id=pk, number=number)
    latest = services.last_published(version.article)
    return render(
        request,
        "helpcentre/staff_version.html",
        {
            "version": version,
            "body": render_markdown(version.body),
            "current": latest is not None and latest.pk == version.pk,
        },
    )
