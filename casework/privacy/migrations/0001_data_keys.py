from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="DataKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "scope",
                    models.CharField(
                        choices=[("case", "Case"), ("referral", "Referral")], max_length=10
                    ),
                ),
                ("owner_id", models.BigIntegerField()),
                ("wrapped_key", models.BinaryField(blank=True, null=True)),
                ("kek_id", models.CharField(max_length=100)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("destroyed_at", models.DateTimeField(blank=True, null=True)),
                ("destroyed_reason", models.CharField(blank=True, max_length=300)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("scope", "owner_id"), name="data_key_owner"),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(destroyed_at__isnull=True, wrapped_key__isnull=False),
                            models.Q(destroyed_at__isnull=False, wrapped_key__isnull=True),
                            _connector="OR",
                        ),
                        name="data_key_destroyed_has_no_key",
                    ),
                ],
                "indexes": [
                    models.Index(
                        condition=models.Q(destroyed_at__isnull=True),
                        fields=["kek_id", "id"],
                        name="data_key_rotation_idx",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="KeyCheck",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("kek_id", models.CharField(max_length=100)),
                ("kek_check", models.BinaryField()),
                ("fingerprint_check", models.BinaryField()),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=models.Q(id=1), name="key_check_single")
                ],
            },
        ),
    ]
