"""The ledger is vacuumed after 1 % of its rows are dead, and after 2 % are new (issue 26).

An import that fails on its last row (all or nothing) rolls back every ledger event it wrote:
about five per referral, half a million for 100,000 referrals. Their index entries stay until
a vacuum removes them, and PostgreSQL's default waits for a fifth of the table to be dead: four
million rows at national scale, so in practice months. Meanwhile the audit search by action,
which steps from one action to the next through ``audit_action_time_id_idx`` (one index descent
each), had to read every leaf page of the dead entries on the way: measured on the national
benchmark after a few rolled-back imports, 26,088 pages and about 70 ms for one step, 8 pages
after a ``VACUUM`` (docs/performance.md, "Eleventh session"). At 1 % a failed import of 100,000
referrals is cleaned up within autovacuum's next rounds. New events count as well, at 2 %, so
the visibility map keeps up with the trail and the searches stay index-only on recent events.
The ledger is append-only: a vacuum removes only rows of transactions that never committed.
Reversible.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audit", "0012_ledger_rows_stored_uncompressed")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE audit_auditevent SET (autovacuum_vacuum_scale_factor = 0.01,"
            " autovacuum_vacuum_insert_scale_factor = 0.02);",
            "ALTER TABLE audit_auditevent RESET (autovacuum_vacuum_scale_factor,"
            " autovacuum_vacuum_insert_scale_factor);",
        ),
    ]
