from __future__ import annotations

from django.db import models


class LinkKind(models.TextChoices):
    SAME_SUBJECT = "same_subject", "Same subject"
    SAME_SERIES = "same_series", "Same series"
    RELATED = "related", "Related"
    DUPLICATE_OF = "duplicate_of", "Duplicate of"


# How a link reads from the case it points to (a duplicate is directional; the rest are not).
REVERSE_LABELS = {LinkKind.DUPLICATE_OF: "Has a duplicate"}
