"""Shipped default rules (``casework.deadlines.defaults``). Adds only rows that are missing, so
re-running never overwrites an administrator's change."""

from django.db import migrations


def add_rules(apps, schema_editor):
    from casework.deadlines.defaults import install_default_rules

    install_default_rules(apps.get_model("deadlines", "DeadlineRule"))


def remove_rules(apps, schema_editor):
    DeadlineRule = apps.get_model("deadlines", "DeadlineRule")
    DeadlineRule.objects.filter(deadlines__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]

    operations = [migrations.RunPython(add_rules, remove_rules)]
