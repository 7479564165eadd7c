"""Partners' pointers partitioned by partner: each partner's current set is a partition of its
own, so an import builds the new set beside the previous one and swaps it in whole, and the
previous set is dropped instead of deleted row by row (docs/cooperation.md). Existing sets are
moved into their partner's partition. Reversible: the reverse puts every pointer back into one
plain table with its key, fingerprint index and foreign key as migration 0001 made them."""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
ALTER TABLE cooperation_partnerpointer RENAME TO cooperation_partnerpointer_0001;
ALTER INDEX partner_pointer_fp_idx RENAME TO partner_pointer_fp_idx_0001;
ALTER INDEX cooperation_partnerpointer_pkey RENAME TO cooperation_partnerpointer_0001_pkey;
CREATE TABLE cooperation_partnerpointer (
    handle uuid NOT NULL,
    fingerprint bytea NOT NULL,
    contact_id bigint NOT NULL,
    installation_id bigint NOT NULL
) PARTITION BY LIST (installation_id);
CREATE INDEX partner_pointer_fp_idx ON cooperation_partnerpointer (fingerprint);
DO $$
DECLARE
    partner bigint;
    partition_name text;
BEGIN
    FOR partner, partition_name IN
        SELECT installation_id,
               format('cooperation_partnerpointer_%s_%s', installation_id, max(exchange_id))
        FROM cooperation_partnercontact GROUP BY installation_id
    LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF cooperation_partnerpointer FOR VALUES IN (%s)',
            partition_name, partner);
        EXECUTE format(
            'INSERT INTO %I (handle, fingerprint, contact_id, installation_id)'
            ' SELECT p.handle, p.fingerprint, p.contact_id, c.installation_id'
            ' FROM cooperation_partnerpointer_0001 p'
            ' JOIN cooperation_partnercontact c ON c.id = p.contact_id'
            ' WHERE c.installation_id = %s', partition_name, partner);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (contact_id, handle)',
            partition_name, partition_name || '_pk');
    END LOOP;
END
$$;
DROP TABLE cooperation_partnerpointer_0001;
"""

REVERSE = """
CREATE TABLE cooperation_partnerpointer_0001 (
    handle uuid NOT NULL,
    fingerprint bytea NOT NULL,
    contact_id bigint NOT NULL
);
INSERT INTO cooperation_partnerpointer_0001 (handle, fingerprint, contact_id)
    SELECT handle, fingerprint, contact_id FROM cooperation_partnerpointer;
DROP TABLE cooperation_partnerpointer;
ALTER TABLE cooperation_partnerpointer_0001 RENAME TO cooperation_partnerpointer;
ALTER TABLE cooperation_partnerpointer
    ADD CONSTRAINT cooperation_partnerpointer_pkey PRIMARY KEY (contact_id, handle);
CREATE INDEX partner_pointer_fp_idx ON cooperation_partnerpointer (fingerprint);
ALTER TABLE cooperation_partnerpointer
    ADD CONSTRAINT cooperation_partnerp_contact_id_37bfd24f_fk_cooperati
    FOREIGN KEY (contact_id) REFERENCES cooperation_partnercontact (id)
    DEFERRABLE INITIALLY DEFERRED;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cooperation", "0001_pointer_sets"),
        ("partners", "0004_partner_keys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, REVERSE)],
            state_operations=[
                migrations.AddField(
                    model_name="partnerpointer",
                    name="installation",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        default=None,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="partners.partnerinstallation",
                    ),
                    preserve_default=False,
                ),
                migrations.AlterField(
                    model_name="partnerpointer",
                    name="contact",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="cooperation.partnercontact",
                    ),
                ),
            ],
        )
    ]
