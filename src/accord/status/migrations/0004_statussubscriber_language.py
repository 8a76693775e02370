from django.db import migrations, models

# Only adds a column, with a database default: the version still serving while this runs
# (which does not know the column) goes on inserting subscriptions, stored with "" (the site's
# default language). docs/deployment.md, "Safe migrations".


class Migration(migrations.Migration):
    dependencies = [
        ("status", "0003_channels_and_modules"),
    ]

    operations = [
        migrations.AddField(
            model_name="statussubscriber",
            name="language",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="Its emails are written in this language (empty: the site's default)",
                max_length=10,
            ),
        ),
    ]
