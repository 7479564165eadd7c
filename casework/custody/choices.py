from __future__ import annotations

from django.db import models


class ItemKind(models.TextChoices):
    DEVICE = "device", "Device"
    STORAGE_MEDIUM = "storage_medium", "Storage medium"
    DISK_IMAGE = "disk_image", "Disk image"
    PROVIDER_RETURN = "provider_return", "Cloud / provider return"
    DOCUMENT = "document", "Document"


class ItemState(models.TextChoices):
    IN_CUSTODY = "in_custody", "In custody"
    RELEASED = "released", "Released"
    DISPOSED = "disposed", "Disposed"


class HashAlgorithm(models.TextChoices):
    """The fixed list a store's hash may use; the value is lower-case hex of this many chars."""

    MD5 = "md5", "MD5"
    SHA1 = "sha1", "SHA-1"
    SHA256 = "sha256", "SHA-256"
    SHA512 = "sha512", "SHA-512"


HEX_LENGTH: dict[str, int] = {
    HashAlgorithm.MD5: 32,
    HashAlgorithm.SHA1: 40,
    HashAlgorithm.SHA256: 64,
    HashAlgorithm.SHA512: 128,
}

# CASE/UCO's uco-vocabulary:HashNameVocab spelling of each algorithm.
UCO_HASH_METHOD: dict[str, str] = {
    HashAlgorithm.MD5: "MD5",
    HashAlgorithm.SHA1: "SHA1",
    HashAlgorithm.SHA256: "SHA256",
    HashAlgorithm.SHA512: "SHA512",
}


class EventKind(models.TextChoices):
    SEIZED = "seized", "Seized"
    RECEIVED = "received", "Received"
    TRANSFERRED = "transferred", "Transferred"
    CHECKED_OUT = "checked_out", "Checked out for examination"
    RETURNED = "returned", "Returned from examination"
    SEALED = "sealed", "Sealed"
    UNSEALED = "unsealed", "Unsealed"
    HASH_VERIFIED = "hash_verified", "Hash verified"
    SUBMITTED = "submitted", "Submitted to national database / ICSE"
    RELEASED = "released", "Released"
    DISPOSED = "disposed", "Disposed"
    CORRECTION = "correction", "Correction"


# Events that hand the item from one person to another: the giver must hold it.
HANDOVER_KINDS = frozenset(
    {EventKind.RECEIVED, EventKind.TRANSFERRED, EventKind.CHECKED_OUT, EventKind.RETURNED}
)
# Events that take the item out of custody for good; they need a supervisor's second signature.
FINAL_KINDS = frozenset({EventKind.RELEASED, EventKind.DISPOSED})
# Events only the person holding the item can perform on it.
HOLDER_KINDS = frozenset({EventKind.SEALED, EventKind.UNSEALED})


class SealState(models.TextChoices):
    INTACT = "intact", "Seal intact"
    BROKEN = "broken", "Seal broken"
    UNSEALED = "unsealed", "Not sealed"
    RESEALED = "resealed", "Resealed"


class HashResult(models.TextChoices):
    MATCH = "match", "Match"
    MISMATCH = "mismatch", "Mismatch"


class SignOffState(models.TextChoices):
    PENDING = "pending", "Awaiting second signature"
    SIGNED = "signed", "Countersigned"
    REFUSED = "refused", "Refused"
