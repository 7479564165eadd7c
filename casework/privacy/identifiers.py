"""What an identifier model (case or referral) needs to hold its values encrypted.

The model keeps ``<raw>_ct``, ``<normal>_ct``, ``fingerprint`` and ``name_fingerprint``
columns; this mixin gives it back ``raw``/``normal`` read-only attributes that decrypt with the
owner's data key, attached for a whole page by ``attach_ciphers`` (else loaded for the row).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from casework.core.identifiers import SERVICE_QUALIFIED_KINDS, identifier_readings

from .crypto import IdentifierColumns, reveal_identifier
from .crypto import fingerprint as keyed_fingerprint
from .selectors import attach_ciphers, ciphers_for


class ProtectedIdentifierQuerySet(models.QuerySet):
    """Rows fetched together get their owners' data keys together: one query for the keys of
    a whole page, however many rows and owners it shows (``.iterator()`` falls back to a
    query per row, so bulk readers attach keys themselves)."""

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        rows = self._result_cache
        if fresh and rows and isinstance(rows[0], self.model):
            model = self.model
            attach_ciphers(rows, scope=model.privacy_scope, owner_attr=model.privacy_owner_attr)


class ProtectedIdentifierMixin:
    privacy_scope: str
    privacy_owner_attr: str  # "case_id" / "referral_id"
    privacy_raw_ct: str  # attribute holding the raw value's ciphertext
    privacy_normal_ct: str

    @classmethod
    def privacy_columns(cls) -> IdentifierColumns:
        meta = cls._meta  # type: ignore[attr-defined]
        return IdentifierColumns(
            table=meta.db_table,
            raw=meta.get_field(cls.privacy_raw_ct).column,
            normal=meta.get_field(cls.privacy_normal_ct).column,
        )

    @property
    def privacy_owner(self) -> str:
        return f"{self.privacy_scope}:{getattr(self, self.privacy_owner_attr)}"

    def _revealed(self) -> tuple[str, str]:
        found = self.__dict__.get("_privacy_revealed")
        if found is None:
            if "_privacy_cipher" not in self.__dict__:
                owner_id = getattr(self, self.privacy_owner_attr)
                self.__dict__["_privacy_cipher"] = ciphers_for(self.privacy_scope, [owner_id]).get(
                    owner_id
                )
            found = reveal_identifier(
                columns=self.privacy_columns(),
                owner=self.privacy_owner,
                aead=self.__dict__["_privacy_cipher"],
                row_fp=self.fingerprint,  # type: ignore[attr-defined]
                raw_ct=getattr(self, self.privacy_raw_ct),
                normal_ct=getattr(self, self.privacy_normal_ct),
            )
            self.__dict__["_privacy_revealed"] = found
        return found


def identifier_match_q(text: str) -> Q | None:
    """Identifier rows equal to ``text`` read as any kind, or holding that name under any
    service; ``None`` when ``text`` reads as none. Compares keyed fingerprints: each
    alternative is an index lookup on (kind, fingerprint) or (kind, name_fingerprint)."""
    condition = Q()
    for kind, normal in identifier_readings(text):
        value_fp = keyed_fingerprint(kind, normal)
        condition |= Q(kind=kind, fingerprint=value_fp)
        if kind in SERVICE_QUALIFIED_KINDS:
            condition |= Q(kind=kind, name_fingerprint=value_fp)
    return condition or None
