# The SQL function behind the substring search indexes (casework/core/trigrams.py). The search
# index migrations of cases, referrals, custody and partners depend on this one.

from django.db import migrations

from casework.core.trigrams import DROP_TRIGRAM_FUNCTION_SQL, TRIGRAM_FUNCTION_SQL


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_notification"),
    ]

    operations = [
        migrations.RunSQL(TRIGRAM_FUNCTION_SQL, reverse_sql=DROP_TRIGRAM_FUNCTION_SQL),
    ]
