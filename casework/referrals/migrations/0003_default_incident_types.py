"""The eight incident types industry reports commonly use, as editable defaults."""

from django.db import migrations

DEFAULT_TYPES = [
    ("abuse-material", "Child sexual abuse material (possession, production, distribution)"),
    ("trafficking", "Child sex trafficking"),
    ("travelling-offender", "Travelling child sex offender"),
    ("contact-offence", "Contact offence against a child"),
    ("misleading-domain", "Misleading domain name"),
    ("misleading-content", "Misleading words or digital images online"),
    ("online-enticement", "Online enticement of a child"),
    ("unsolicited-material", "Unsolicited obscene material sent to a child"),
]


def add_defaults(apps, schema_editor):
    IncidentType = apps.get_model("referrals", "IncidentType")
    for position, (code, name) in enumerate(DEFAULT_TYPES, start=1):
        IncidentType.objects.get_or_create(
            code=code, defaults={"name": name, "position": position * 10}
        )


def remove_unused_defaults(apps, schema_editor):
    IncidentType = apps.get_model("referrals", "IncidentType")
    IncidentType.objects.filter(
        code__in=[code for code, _ in DEFAULT_TYPES], referrals__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_full_referral")]

    operations = [migrations.RunPython(add_defaults, remove_unused_defaults)]
