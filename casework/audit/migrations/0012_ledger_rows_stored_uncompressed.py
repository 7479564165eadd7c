"""The ledger's events are stored without compression up to a full page (issues 19 and 26).

A captured row's event holds its field changes twice, as ``changes`` (jsonb) and inside the
canonical bytes, so a referral's, a triage clock's or an encrypted identifier's event is
2.3-2.9 KB before compression: over PostgreSQL's 2 KB TOAST threshold, so every one of them was
compressed with pglz as it was inserted. That compression was the largest single part of the
change capture's cost in the bulk import (docs/performance.md, "Ninth session: the bulk
import's capture"). With ``toast_tuple_target`` at its maximum an event is compressed or moved
out of line only when it does not fit in a page. What the ledger holds is unchanged: the same
columns, the same canonical bytes (compression is how a value is stored, not what it is);
events already compressed stay so and read the same. Only new events are affected. Reversible.
"""

from django.db import migrations

# The largest value PostgreSQL accepts (BLCKSZ 8192 less the page and tuple headers).
UNCOMPRESSED_UP_TO = 8160


class Migration(migrations.Migration):
    dependencies = [("audit", "0011_appended_events_and_pairs")]

    operations = [
        migrations.RunSQL(
            f"ALTER TABLE audit_auditevent SET (toast_tuple_target = {UNCOMPRESSED_UP_TO});",
            "ALTER TABLE audit_auditevent RESET (toast_tuple_target);",
        ),
    ]
