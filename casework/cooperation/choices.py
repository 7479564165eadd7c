from __future__ import annotations

from django.db import models


class Direction(models.TextChoices):
    SENT = "sent", "Sent"
    RECEIVED = "received", "Received"


class ExchangeChannel(models.TextChoices):
    FILE = "file", "File"
    API = "api", "API"


class HitState(models.TextChoices):
    FOUND = "found", "Found, not yet confirmed"
    CONFIRMED = "confirmed", "Confirmed"
