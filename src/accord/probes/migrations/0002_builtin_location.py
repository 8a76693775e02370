"""The built-in probe location: the checks `accord worker` runs itself."""

from django.db import migrations


def create(apps, schema_editor):
    ProbeLocation = apps.get_model("probes", "ProbeLocation")
    ProbeLocation.objects.get_or_create(slug="worker", defaults={"name": "Accord worker"})


class Migration(migrations.Migration):
    dependencies = [("probes", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
