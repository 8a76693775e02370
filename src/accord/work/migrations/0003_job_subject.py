"""Jobs name what they are about by a generic key (model label, primary key) instead of a
foreign key to the ticket: step one of two. This release adds the columns, fills them for the
existing rows and writes both; the next drops `Job.ticket` (docs/architecture.md)."""

from django.db import migrations, models
from django.db.models import F


def fill_subjects(apps, schema_editor):  # type: ignore[no-untyped-def]
    Job = apps.get_model("work", "Job")
    Job.objects.filter(ticket__isnull=False, subject_type="").update(
        subject_type="helpdesk.ticket", subject_id=F("ticket_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("work", "0002_webhookendpoint"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="subject_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="job",
            name="subject_type",
            field=models.CharField(blank=True, max_length=60),
        ),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(fields=["subject_type", "subject_id"], name="job_subject"),
        ),
        migrations.RunPython(fill_subjects, migrations.RunPython.noop),
    ]
