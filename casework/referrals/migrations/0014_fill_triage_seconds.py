"""The time to triage as a stored float, step 2 of 2: fill it for the referrals already
triaged, hold every writer to it, and index it per priority.

- The fill runs 20,000 ids a batch, each batch committed on its own (``atomic = False``), so a
  national database (a million referrals) is not one long transaction and a run stopped half-way
  resumes where it stopped (rows already filled are skipped). The value is computed by
  PostgreSQL itself, as the figure computed it until now. The table's capture trigger still
  lists the columns it had when the migration began, so the fill writes no ledger event: the
  value is derived from two captured columns (docs/audit.md); later triages capture it.
- The check constraint is added ``NOT VALID`` and then validated, which scans the table without
  blocking writes; as one ``ADD CONSTRAINT`` it would hold an exclusive lock for the scan.
- The indexes are built ``CONCURRENTLY`` (no lock on writes, as cases ``0019``): one per
  priority and time for the percentiles of each priority, and the index of the triaged
  referrals by unit and time again, now with the duration instead of the arrival (the total
  over every priority reads it), in place of ``referral_unit_triaged_idx``.

Backwards: the indexes are put back as they were and the constraint is dropped; the column
goes with step 1's reversal.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models
from django.db.models.functions import Cast

BATCH = 20_000
DURATION = "(EXTRACT(EPOCH FROM (triaged_at - received_at)))::double precision"


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM referrals_referral")
        low, high = cursor.fetchone()
        for start in range(low, high + 1, BATCH):
            cursor.execute(
                f"UPDATE referrals_referral SET triage_seconds = {DURATION} "
                "WHERE id >= %s AND id < %s AND triaged_at IS NOT NULL "
                f"AND triage_seconds IS DISTINCT FROM {DURATION}",
                [start, start + BATCH],
            )


CONSTRAINT = models.CheckConstraint(
    condition=models.Q(triage_seconds__isnull=True, triaged_at__isnull=True)
    | models.Q(
        triage_seconds__isnull=False,
        triaged_at__isnull=False,
        triage_seconds=Cast(
            models.Func(
                models.F("triaged_at"),
                models.F("received_at"),
                template="EXTRACT(EPOCH FROM (%(expressions)s))",
                arg_joiner=" - ",
            ),
            models.FloatField(),
        ),
    ),
    name="referral_triage_seconds_exact",
)

ADD_CONSTRAINT = f"""
ALTER TABLE referrals_referral ADD CONSTRAINT referral_triage_seconds_exact CHECK (
    (triage_seconds IS NULL AND triaged_at IS NULL)
    OR (triage_seconds IS NOT NULL AND triaged_at IS NOT NULL AND triage_seconds = {DURATION})
) NOT VALID;
ALTER TABLE referrals_referral VALIDATE CONSTRAINT referral_triage_seconds_exact;
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0013_referral_triage_seconds"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RunSQL(
            ADD_CONSTRAINT,
            "ALTER TABLE referrals_referral DROP CONSTRAINT referral_triage_seconds_exact;",
            state_operations=[migrations.AddConstraint(model_name="referral", constraint=CONSTRAINT)],
        ),
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                condition=models.Q(triaged_at__isnull=False),
                fields=["unit", "priority", "triaged_at"],
                include=["triage_seconds", "triage_due_at", "case"],
                name="referral_priority_triaged_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                condition=models.Q(triaged_at__isnull=False),
                fields=["unit", "triaged_at"],
                include=["priority", "triage_seconds", "triage_due_at", "case"],
                name="referral_unit_triage_time_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="referral", name="referral_unit_triaged_idx"),
    ]
