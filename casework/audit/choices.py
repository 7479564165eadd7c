from __future__ import annotations

from django.db import models


class Outcome(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded"
    REFUSED = "refused", "Refused"


class EventSource(models.TextChoices):
    SERVICE = "service", "Service"  # written by audit_record in a service
    DATABASE = "database", "Database"  # captured by the change trigger on a domain table
