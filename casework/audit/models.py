from __future__ import annotations

from django.conf import settings
from django.db import models

from .choices import EventSource, Outcome


class AuditEvent(models.Model):
    """One thing that happened: who did what to which record, when, from where, and why.

    Written by services in the same transaction as the change they describe, so a rolled-back
    change leaves no event. ``actor_username`` keeps the name as it was, so renaming or removing
    a user never rewrites history. ``case_id`` is a plain indexed value, not a foreign key, so the
    audit app depends on no domain app and a case's timeline is one index scan.
    """

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        # No index: nothing looks events up by actor id (the searches by person use
        # actor_username, the name as it was), and every captured row would write one.
        db_index=False,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCEEDED)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=dict, blank=True)
    source = models.CharField(
        max_length=10, choices=EventSource.choices, default=EventSource.SERVICE, editable=False
    )
    # Filled by the database (trigger ``audit_fix_bytes``) at insert, never by Python and never
    # again: RFC 8785 bytes of the event, format version 1 (see casework/audit/sql.py). The
    # table also has a ``txid xid8`` column (the inserting transaction, for the sealer's
    # horizon) that only SQL reads, so the model does not declare it.
    canonical = models.BinaryField(null=True, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        # The searches by person and by action read these in the page's order (occurred_at,
        # id descending) and take the ids from the index alone; see selectors.event_page.
        # Each replaced a narrower index, so an event costs no more index entries to write.
        indexes = [
            models.Index(
                fields=["actor_username", "occurred_at", "id"], name="audit_person_time_id_idx"
            ),
            models.Index(fields=["case_id", "occurred_at"], name="audit_case_time_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["action", "occurred_at", "id"], name="audit_action_time_id_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_username or 'system'} {self.action}"
        )


class AuditCheckpoint(models.Model):
    """One sealing run's result: the tree after it, and (periodically) its signed note.

    ``frontier`` is the compact range of the tree (hex hashes of its perfect subtrees), so the
    next run appends without rereading old leaves. ``sealed_below`` is the transaction horizon:
    every event written by a transaction older than it is sealed, so an unsealed one below it
    can only have been inserted behind the sealer's back. Rows are never changed; signing a
    tree that was sealed earlier adds a new row with the same size.
    """

    created_at = models.DateTimeField()
    tree_size = models.BigIntegerField()
    root_hash = models.BinaryField()
    chain_head = models.BinaryField()
    frontier = models.JSONField(default=list)
    sealed_below = models.BigIntegerField()
    sealed_count = models.IntegerField(default=0)
    signed_note = models.TextField(blank=True)
    key_name = models.CharField(max_length=200, blank=True)
    file_name = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["tree_size"], name="audit_checkpoint_size_idx")]

    def __str__(self) -> str:
        signed = "signed" if self.signed_note else "unsigned"
        return f"checkpoint {self.tree_size} ({signed})"


class AuditSeal(models.Model):
    """An event's place in the Merkle tree (``position`` is its leaf index) and hash chain.

    No foreign-key constraints: the verifier must be able to report a seal whose event was
    removed, and the sealer copies rows in with COPY at thousands per second.
    """

    position = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(
        AuditEvent,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="seal",
    )
    leaf_hash = models.BinaryField()
    chain_hash = models.BinaryField()
    checkpoint = models.ForeignKey(
        AuditCheckpoint,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="seals",
    )

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"seal {self.position} of event {self.event_id}"


class AuditVerification(models.Model):
    """The result of one full verification (``verify_audit`` or the scheduled run)."""

    ran_at = models.DateTimeField()
    ok = models.BooleanField()
    events_checked = models.BigIntegerField()
    tree_size = models.BigIntegerField()
    problem_count = models.IntegerField()
    problems = models.JSONField(default=list)
    duration_ms = models.IntegerField()

    class Meta:
        ordering = ["-ran_at", "-id"]
        indexes = [models.Index(fields=["ran_at"], name="audit_verification_time_idx")]

    def __str__(self) -> str:
        return f"verification {self.ran_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'FAILED'}"


class AuditTreeNode(models.Model):
    """The hash of a perfect subtree of the Merkle tree, 256 leaves or more (height >= 8).

    Written by the sealer as each subtree completes, never changed. They make the log cheap to
    serve: a C2SP tile at level 1 or above is 1-256 consecutive rows of one height, and an
    inclusion or consistency proof needs at most one row per level above the leaf's own tile.
    A wrong row cannot forge anything (every proof and tile is checked against the signed
    root); it would only make proofs fail, which ``verify_audit`` then explains.
    """

    height = models.SmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["height", "index"], name="audit_tree_node_once"),
            models.CheckConstraint(condition=models.Q(height__gte=8), name="audit_tree_node_tall"),
        ]

    def __str__(self) -> str:
        return f"tree node {self.index} at height {self.height}"


class AuditCosignature(models.Model):
    """A witness's C2SP tlog-cosignature on one of our signed checkpoints.

    ``line`` is the signature line exactly as the witness returned it (``— name base64``), so
    appending it to the checkpoint's note gives the cosigned checkpoint anyone can check with
    the witness's public key. Kept beside the checkpoint, append-only like the rest.
    """

    checkpoint = models.ForeignKey(
        AuditCheckpoint,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="cosignatures",
    )
    witness_name = models.CharField(max_length=200)
    witness_url = models.CharField(max_length=500)
    line = models.TextField()
    signed_at = models.DateTimeField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["checkpoint_id", "witness_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "witness_name"], name="audit_cosignature_once"
            )
        ]
        indexes = [
            models.Index(fields=["witness_name", "checkpoint"], name="audit_cosig_witness_idx")
        ]

    def __str__(self) -> str:
        return f"cosignature by {self.witness_name} on checkpoint {self.checkpoint_id}"


class WitnessedCheckpoint(models.Model):
    """A partner log's checkpoint that this installation, acting as its witness, cosigned.

    The newest row per ``origin`` is the size the witness has seen; C2SP tlog-witness requires
    every later checkpoint to extend it. The history stays (append-only), so the witness can
    show what it was shown and when.
    """

    origin = models.CharField(max_length=200)
    tree_size = models.BigIntegerField()
    root_hash = models.BinaryField()
    note = models.TextField()
    cosignature = models.TextField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["origin", "-id"]
        indexes = [models.Index(fields=["origin", "-id"], name="audit_witnessed_origin_idx")]

    def __str__(self) -> str:
        return f"{self.origin} at size {self.tree_size}"
