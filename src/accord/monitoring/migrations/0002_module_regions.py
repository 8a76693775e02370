"""One module-region for every module in every region, so monitoring has its units."""

from django.db import migrations


def create(apps, schema_editor):
    Module = apps.get_model("catalogue", "Module")
    Region = apps.get_model("catalogue", "Region")
    ModuleRegion = apps.get_model("monitoring", "ModuleRegion")
    for region in Region.objects.all():
        for module in Module.objects.all():
            ModuleRegion.objects.get_or_create(module=module, region=region)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial"), ("catalogue", "0002_defaults")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
