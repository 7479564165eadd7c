from __future__ import annotations

from django.db import models


class Destination(models.TextChoices):
    """Where a hash set was shared. The first two meet the submission clock (the commitment is
    to add seized material to the national database and to INTERPOL's ICSE)."""

    NATIONAL = "national", "National database"
    ICSE = "icse", "INTERPOL ICSE"
    AGENCY = "agency", "Another agency's database"
    VIC_PARTNER = "vic_partner", "Project VIC–style partner"


# A sharing to one of these is a submission: it meets the seizure's submission clock.
SUBMISSION_DESTINATIONS = frozenset({Destination.NATIONAL, Destination.ICSE})
# These name the receiving agency from the partner directory.
AGENCY_DESTINATIONS = frozenset({Destination.AGENCY, Destination.VIC_PARTNER})


class SetAlgorithm(models.TextChoices):
    MD5 = "md5", "MD5"
    SHA1 = "sha1", "SHA-1"
    SHA256 = "sha256", "SHA-256"
    PHOTODNA = "photodna", "PhotoDNA"
    PDQ = "pdq", "PDQ"
