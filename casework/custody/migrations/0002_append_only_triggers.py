"""Custody events and acknowledgements are append-only, enforced by PostgreSQL itself.

Even a bug, an admin action or a session opened outside the services cannot rewrite or remove a
link in the chain. TRUNCATE is not covered (it needs table ownership and is what test teardown
uses); row-level UPDATE and DELETE are refused.
"""

from __future__ import annotations

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION custody_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'custody records are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""

TABLES = ("custody_custodyevent", "custody_custodyacknowledgement")


def _trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION custody_refuse_change();"
    )


class Migration(migrations.Migration):
    dependencies = [("custody", "0001_initial")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS custody_refuse_change();"),
        *[
            migrations.RunSQL(_trigger(t), f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};")
            for t in TABLES
        ],
    ]
