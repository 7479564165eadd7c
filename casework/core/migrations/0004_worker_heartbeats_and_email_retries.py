"""A heartbeat row per host (the dead worker is named), and e-mails retried until they go.

The heartbeat table held one row per component; it is rebuilt with one row per component and
host. Its rows are only the latest beats, which every live process writes again within a
minute, so nothing is carried over.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_trigram_function"),
    ]

    operations = [
        migrations.DeleteModel(name="Heartbeat"),
        migrations.CreateModel(
            name="Heartbeat",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "component",
                    models.CharField(
                        choices=[("scheduler", "Scheduler (Celery beat)"), ("worker", "Worker")],
                        max_length=20,
                    ),
                ),
                ("hostname", models.CharField(blank=True, max_length=255)),
                ("last_seen_at", models.DateTimeField()),
            ],
            options={
                "ordering": ["component", "hostname"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("component", "hostname"), name="heartbeat_once_per_host"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="notification",
            name="email_attempts",
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="notification",
            name="email_retry_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="email_failure",
            field=models.TextField(
                blank=True, db_default="", help_text="Why the last attempt to e-mail it failed."
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("email_retry_at__isnull", False)),
                fields=["email_retry_at"],
                name="notification_email_retry_idx",
            ),
        ),
    ]
