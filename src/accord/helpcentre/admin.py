from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from accord.helpcentre.models import Article, ArticleVersion, SlaVersion, Vote
from accord.helpcentre.rendering import render_markdown


class ArticleVersionInline(admin.TabularInline):
    model = ArticleVersion
    extra = 0
    readonly_fields = ("number", "title", "published_at")
    fields = ("number", "title", "published_at")
    can_delete = False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "visibility", "status", "updated_at", "view_link")
    list_filter = ("status", "visibility", "category")
    search_fields = ("title", "body")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("preview",)
    inlines = [ArticleVersionInline]

    @admin.display(description="Page (a draft: its preview)")
    def view_link(self, obj: Article) -> str:
        label = "preview" if obj.status == Article.Status.DRAFT else "view"
        return format_html('<a href="{}">{}</a>', reverse("help_article", args=[obj.slug]), label)

    @admin.display(description="Preview (saved text, as readers will see it)")
    def preview(self, obj: Article) -> str:
        return render_markdown(obj.body or "")


@admin.register(SlaVersion)
class SlaVersionAdmin(admin.ModelAdmin):
    list_display = ("number", "policy_id", "published_at")
    readonly_fields = ("number", "policy_id", "content_hash", "body", "policy_data")


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ("article_slug", "helpful", "comment", "created_at")
    list_filter = ("helpful",)
