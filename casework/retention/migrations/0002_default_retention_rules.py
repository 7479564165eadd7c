"""The shipped retention schedule (``casework.retention.defaults``): a few rows, no big table."""

from __future__ import annotations

from django.db import migrations


def install(apps, schema_editor):
    from casework.retention.defaults import install_default_rules

    install_default_rules(apps.get_model("retention", "RetentionRule"))


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_retention_schedule_reviews_holds_disposal")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
