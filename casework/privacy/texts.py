"""Free text that may name or describe a person, held encrypted under its owner's data key.

The threat is the same as for identifiers (docs/privacy.md): a copy of the database, and the
append-only ledger whose change capture copies every column, must hold no such text in clear,
and destroying the owner's data key (crypto-shredding) must make it unreadable everywhere.

A model keeps ``<name>_ct`` (bytea, NULL when the text is empty) and declares
``<name> = ProtectedText("<name>_ct")``: reading ``<name>`` decrypts with the owner's cipher,
which ``ProtectedIdentifierQuerySet`` attaches to a whole page of rows in one query; a
destroyed key reads "[disposed]". Writes go through the owning app's services, which call
``protect_texts`` and store the ciphertext they get back.

A text has no fingerprint to stand for its row before the row exists, so its ciphertext is
bound to the table, the column and the owner (``case:42``), not to the row: moved to another
column or case it does not decrypt; moved to another row of the same column and case it does
(both rows are the same case's, read by the same people).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .crypto import DISPOSED, associated_data, decrypt, encrypt
from .selectors import ciphers_for


def owner_cipher(instance) -> AESGCM | None:
    """The cipher attached to ``instance`` for a page, else its owner's key read now."""
    if "_privacy_cipher" not in instance.__dict__:
        owner_id = getattr(instance, instance.privacy_owner_attr)
        instance.__dict__["_privacy_cipher"] = ciphers_for(instance.privacy_scope, [owner_id]).get(
            owner_id
        )
    return instance.__dict__["_privacy_cipher"]


def text_aad(model, ct_attr: str, owner: str) -> bytes:
    meta = model._meta
    return associated_data(meta.db_table, meta.get_field(ct_attr).column, owner, b"")


def encrypt_text(aead: AESGCM, model, ct_attr: str, owner: str, text: str) -> bytes | None:
    """The ciphertext of ``text`` for ``model.ct_attr`` of ``owner``; None for empty text (so
    "has a value" stays a plain ``IS NOT NULL`` that oversight can count)."""
    if not text:
        return None
    return encrypt(aead, text, text_aad(model, ct_attr, owner))


def decrypt_text(aead: AESGCM | None, model, ct_attr: str, owner: str, ciphertext) -> str:
    if ciphertext is None:
        return ""
    if aead is None:
        return DISPOSED
    return decrypt(aead, ciphertext, text_aad(model, ct_attr, owner))


class ProtectedText:
    """A read-only attribute giving the clear text of the ciphertext field ``ct_attr``."""

    def __init__(self, ct_attr: str) -> None:
        self.ct_attr = ct_attr

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        cache = instance.__dict__.setdefault("_privacy_texts", {})
        ciphertext = getattr(instance, self.ct_attr)
        found = cache.get(self.name)
        if found is None or found[0] is not ciphertext:
            text = decrypt_text(
                owner_cipher(instance) if ciphertext is not None else None,
                type(instance),
                self.ct_attr,
                instance.privacy_owner,
                ciphertext,
            )
            found = (ciphertext, text)
            cache[self.name] = found
        return found[1]


class ProtectedTextMixin:
    """For a model whose ``ProtectedText`` fields are encrypted under its owner's data key."""

    privacy_scope: str
    privacy_owner_attr: str  # "case_id"

    @property
    def privacy_owner(self) -> str:
        return f"{self.privacy_scope}:{getattr(self, self.privacy_owner_attr)}"

    @classmethod
    def protected_texts(cls) -> dict[str, str]:
        """Clear attribute name -> ciphertext field name, for every ``ProtectedText``."""
        return {
            name: value.ct_attr
            for klass in cls.__mro__
            for name, value in vars(klass).items()
            if isinstance(value, ProtectedText)
        }


def protect_texts(
    model, owner_id: int, *, aead: AESGCM | None = None, **texts: str
) -> dict[str, bytes | None]:
    """The ciphertext fields for ``texts`` (clear name -> text) of a ``model`` row of
    ``owner_id``, ready to pass to ``create``/``update``: ``{"body_ct": b"…"}``. Refused
    (DomainError) when the owner's data was disposed of. Callers writing many rows of one
    owner pass its ``aead`` (``data_key_cipher``) so the key is read once."""
    from .services import data_key_cipher

    names = model.protected_texts()
    if aead is None and any(texts.values()):
        aead = data_key_cipher(model.privacy_scope, owner_id)
    owner = f"{model.privacy_scope}:{owner_id}"
    return {
        names[name]: encrypt_text(aead, model, names[name], owner, text) if text else None
        for name, text in texts.items()
    }


def reprotect_texts(rows, *, to_owner_id: int) -> None:
    """Encrypt the texts of ``rows`` (instances of one model, whose owner is about to change to
    ``to_owner_id``) again under the new owner's key, in place on the instances (the caller
    saves them): a merged case's subjects and notes are then read, and shredded, with the
    original's. Texts whose old key is gone stay unreadable ("[disposed]" is not copied)."""
    rows = list(rows)
    if not rows:
        return
    from .services import data_key_cipher

    model = type(rows[0])
    names = model.protected_texts()
    aead = data_key_cipher(model.privacy_scope, to_owner_id)
    for row in rows:
        clear = {name: getattr(row, name) for name in names}
        clear = {name: ("" if text == DISPOSED else text) for name, text in clear.items()}
        for field, ciphertext in protect_texts(model, to_owner_id, aead=aead, **clear).items():
            setattr(row, field, ciphertext)
        setattr(row, model.privacy_owner_attr, to_owner_id)
        row.__dict__.pop("_privacy_cipher", None)
        row.__dict__.pop("_privacy_texts", None)


def _queryset():
    from .identifiers import ProtectedIdentifierQuerySet

    return ProtectedIdentifierQuerySet


# The same queryset as identifiers': a page of rows gets its owners' keys in one query.
ProtectedTextQuerySet = _queryset()
