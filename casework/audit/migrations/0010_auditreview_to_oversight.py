"""The weekly audit review leaves the ledger app for oversight; its table stays.

State only: oversight 0002 (a dependency of this one) has already taken ``AuditReview`` into its
state on the same table ``audit_auditreview``; this removes it from the audit app's state. No
SQL runs, so the rows and the append-only guard of audit 0005 are untouched, and reversing
(this one first, then oversight 0002) hands the model back the same way.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0009_capture_keeps_its_text"),
        ("oversight", "0002_auditreview_from_audit"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="AuditReview")],
        ),
    ]
