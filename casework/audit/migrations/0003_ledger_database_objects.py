"""The ledger's database side: canonical bytes at insert, the sealer's horizon, append-only.

See casework/audit/sql.py for the functions and the reasons. Reversible: the reverse drops the
triggers, the functions and the ``txid`` column (the bytes already stored stay).
"""

from django.db import migrations

from casework.audit import sql

TXID = """
ALTER TABLE audit_auditevent ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX audit_event_txid_idx ON audit_auditevent (txid, id);
"""
DROP_TXID = """
DROP INDEX IF EXISTS audit_event_txid_idx;
ALTER TABLE audit_auditevent DROP COLUMN IF EXISTS txid;
"""
# Events written before this migration get their bytes now, once, before the guard goes up.
BACKFILL = """
UPDATE audit_auditevent AS e
   SET canonical = convert_to(audit_jcs(audit_event_document(e)), 'UTF8')
 WHERE canonical IS NULL;
"""

forward = [TXID, sql.FUNCTIONS, BACKFILL, sql.FIX_BYTES_TRIGGER]
forward += [sql.append_only_sql(table) for table in sql.LEDGER_TABLES]
backward = [sql.drop_append_only_sql(table) for table in sql.LEDGER_TABLES]
backward += [sql.DROP_FIX_BYTES_TRIGGER, sql.DROP_FUNCTIONS, DROP_TXID]


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_ledger")]

    operations = [
        migrations.RunSQL(sql="\n".join(forward), reverse_sql="\n".join(backward)),
    ]
