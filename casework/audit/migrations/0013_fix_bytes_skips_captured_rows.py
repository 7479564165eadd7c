"""The ledger's bytes trigger is not called for a change-capture function's own inserts.

``audit_event_fix_bytes`` keeps the canonical text of an insert made from inside a trigger,
marked ``source = 'database'`` and carrying its text, and computes the bytes of every other
insert. It was called for every row all the same, only to return the row unchanged: about
3-7 µs per captured row, 100,000 rows per 20,000 imported referrals (docs/performance.md,
"Ninth session: the bulk import's capture"). The trigger's WHEN clause now states the same
condition, so the call is skipped exactly where the function would have kept the text. The
trigger depth is one lower in WHEN (it is evaluated before the call raises it), so ``> 1``
inside the function is ``>= 1`` here; a client's insert (depth 0) still calls the function.
Reversible.
"""

from django.db import migrations

from casework.audit import sql


class Migration(migrations.Migration):
    dependencies = [("audit", "0012_ledger_rows_stored_uncompressed")]

    operations = [
        migrations.RunSQL(
            [sql.DROP_FIX_BYTES_TRIGGER, sql.FIX_BYTES_TRIGGER_UNLESS_CAPTURED],
            [sql.DROP_FIX_BYTES_TRIGGER, sql.FIX_BYTES_TRIGGER],
        ),
    ]
