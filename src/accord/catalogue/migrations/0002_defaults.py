"""The seed's five modules and the default regions, so a new installation is usable."""

from django.db import migrations
from django.utils.text import slugify

MODULES = [
    "Release Manager",
    "Test Environment Manager",
    "Deployment Manager",
    "Reporting",
    "Stryka",
]
REGIONS = [
    ("us", "United States", "America/Los_Angeles", "US", "CA"),
    ("uk", "United Kingdom", "Europe/London", "GB", "ENG"),
    ("au", "Australia", "Australia/Sydney", "AU", "NSW"),
]


def create(apps, schema_editor):
    Module = apps.get_model("catalogue", "Module")
    Region = apps.get_model("catalogue", "Region")
    for position, name in enumerate(MODULES):
        Module.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "position": position}
        )
    for code, name, timezone, country, subdiv in REGIONS:
        Region.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "timezone": timezone,
                "holiday_country": country,
                "holiday_subdiv": subdiv,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
