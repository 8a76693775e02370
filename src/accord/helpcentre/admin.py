from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accord.helpcentre.models import Article, ArticleRevision, ArticleVersion, SlaVersion, Vote


class ArticleVersionInline(admin.TabularInline):
    model = ArticleVersion
    extra = 0
    readonly_fields = ("number", "title", "published_at", "published_by")
    fields = ("number", "title", "published_at", "published_by")
    can_delete = False


class ArticleRevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    readonly_fields = ("number", "kind", "title", "created_at", "author")
    fields = ("number", "kind", "title", "created_at", "author")
    can_delete = False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Read-only here: articles are written in the help centre's editor (drafts, a preview of
    the unsaved text, publishing as one step), which the links lead to."""

    list_display = ("title", "category", "visibility", "status", "updated_at", "edit_link")
    list_filter = ("status", "visibility", "category")
    search_fields = ("title", "body")
    readonly_fields = ("edit_link",)
    inlines = [ArticleRevisionInline, ArticleVersionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="Editor")
    def edit_link(self, obj: Article) -> str:
        return format_html(
            '<a href="{}">edit in the help centre</a> · <a href="{}">page</a>',
            reverse("help_staff_article", args=[obj.pk]),
            reverse("help_article", args=[obj.slug]),
        )


@admin.register(SlaVersion)
class SlaVersionAdmin(admin.ModelAdmin):
    list_display = ("number", "policy_id", "published_at")
    readonly_fields = ("number", "policy_id", "content_hash", "body", "policy_data")


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ("article_slug", "helpful", "comment", "created_at")
    list_filter = ("helpful",)
