"""Need-to-know read from indexes: the oversight figures and the referral queue (issue 26).

A supervisor's referral figures test each referral's case against the cases they may see, and
the clocks on referrals test the referral against "the unit's referrals without a case": with
the case id in these indexes both come from the index alone, instead of a read of the table per
referral (the backlog by age also gets the arrival time in the open referrals' index). The
queue's waiting referrals that already hang off a case get a small index of their own, in queue
order; new referrals have no case, so an import writes nothing to it.

Each changed index is dropped and built again under its name, CONCURRENTLY (no lock on writes;
the migration runs outside a transaction): for the seconds in between, a figure or the queue
reads another index. Cost: see docs/performance.md, "Issue 26: margins (read side)".
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0006_search_indexes"),
    ]

    operations = [
        RemoveIndexConcurrently(model_name="referral", name="referral_unit_due_idx"),
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                fields=["unit", "triage_due_at", "id"],
                include=["case"],
                name="referral_unit_due_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="referral", name="referral_open_due_idx"),
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                fields=["unit", "triage_due_at", "id"],
                include=["received_at", "case"],
                condition=models.Q(status__in=["in_triage", "new"]),
                name="referral_open_due_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                fields=["triage_due_at", "id"],
                include=["case"],
                condition=models.Q(status__in=["in_triage", "new"], case__isnull=False),
                name="referral_open_cased_due_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="referral", name="referral_unit_received_idx"),
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                fields=["unit", "received_at"],
                include=["source_kind", "priority", "case"],
                name="referral_unit_received_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="referral", name="referral_unit_triaged_idx"),
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                fields=["unit", "triaged_at"],
                include=["priority", "received_at", "triage_due_at", "case"],
                condition=models.Q(triaged_at__isnull=False),
                name="referral_unit_triaged_idx",
            ),
        ),
    ]
