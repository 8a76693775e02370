"""The starter articles the SLA links to, created once (accord.helpcentre.starter).

Reversing leaves them: they may have been edited since, and staff delete articles themselves.
"""

from django.conf import settings
from django.db import migrations


def create(apps, schema_editor):  # noqa: ANN001, ANN201
    from accord.helpcentre import sla, starter

    starters = starter.text(sla.current_policy_data(), settings.ACCORD_SUPPORT_ADDRESS)
    starter.install(
        apps.get_model("helpcentre", "Article"),
        apps.get_model("helpcentre", "ArticleRevision"),
        apps.get_model("helpcentre", "ArticleVersion"),
        starters,
    )


class Migration(migrations.Migration):
    dependencies = [("helpcentre", "0004_article_revisions")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
