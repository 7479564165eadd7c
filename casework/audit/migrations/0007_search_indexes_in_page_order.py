"""The person and action searches get indexes in the page's order (occurred_at, id descending).

Each replaces a narrower index, so writing an event maintains as many index entries as before:
(actor_id, occurred_at), which no query used (the search filters on the name as it was), and
(action, occurred_at). Built and dropped CONCURRENTLY: a 20-million-row trail takes minutes to
index, and a plain CREATE INDEX would hold every audited write for that long. The new ones come
first so a search is never left without its index.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("audit", "0006_statement_level_capture"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(
                fields=["actor_username", "occurred_at", "id"], name="audit_person_time_id_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(
                fields=["action", "occurred_at", "id"], name="audit_action_time_id_idx"
            ),
        ),
        RemoveIndexConcurrently(model_name="auditevent", name="audit_actor_time_idx"),
        RemoveIndexConcurrently(model_name="auditevent", name="audit_action_time_idx"),
    ]
