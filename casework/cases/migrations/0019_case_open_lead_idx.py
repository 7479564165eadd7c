"""The caseload figure from an index (issue 26, margins).

The oversight dashboard's caseload counts the cases not closed per lead (and the P1 among them),
and the assignments of the cases not closed per person. Both read the whole case table (a
sequential scan, or a hash of every case) where a partial index of the cases not closed, with
the lead, the priority and the id, answers them alone: led per person is an index-only scan of
it, and the assignments are joined to its ids. Built CONCURRENTLY (no lock on writes; the
migration runs outside a transaction). Cost: docs/performance.md, "Eighth session: margins".
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0018_drop_plaintext_safeguarding_action"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                fields=["unit", "lead"],
                include=["priority", "id"],
                condition=~models.Q(status="closed"),
                name="case_open_lead_idx",
            ),
        ),
    ]
