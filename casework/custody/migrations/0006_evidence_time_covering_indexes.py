"""The dashboard's seizure-to-submission figure from its indexes alone (issue 26).

Each of the two time indexes gains the other time and the case, so a month of seized or
submitted items (and a supervisor's need-to-know, which tests the case) is an index-only range
scan; before, every item of the period was read from the table. Built ``CONCURRENTLY`` under
new names, then the old indexes are dropped the same way (no lock on writes, as cases
``0019``); backwards, the old ones are built again first.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("custody", "0005_transfer_reason"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="evidenceitem",
            index=models.Index(
                fields=["seized_at"],
                include=["submitted_at", "case"],
                name="evidence_seized_case_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="evidenceitem",
            index=models.Index(
                condition=models.Q(submitted_at__isnull=False),
                fields=["submitted_at"],
                include=["seized_at", "case"],
                name="evidence_submitted_case_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="evidenceitem", name="evidence_seized_idx"),
        RemoveIndexConcurrently(model_name="evidenceitem", name="evidence_submitted_idx"),
    ]
