"""The one domain exception type services raise.

A service rejects inconsistent input with ``DomainError(message, field=...)``. The API turns it into
RFC 9457 problem details with field errors, the web into form errors, the command line into
``file:line: field: message``. Messages are written for the person who must fix the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404


@dataclass(frozen=True)
class FieldError:
    field: str | None
    message: str
    code: str = "invalid"


@dataclass
class DomainError(Exception):
    """A request a service refuses, with every reason and the field each concerns."""

    errors: list[FieldError] = field(default_factory=list)
    status: int = 400

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        code: str = "invalid",
        errors: list[FieldError] | None = None,
        status: int = 400,
    ) -> None:
        self.errors = list(errors or [])
        if message is not None:
            self.errors.insert(0, FieldError(field=field, message=message, code=code))
        self.status = status
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in self.errors)

    @property
    def text(self) -> str:
        """The messages alone, for a page: a person needs no field names ("case: …")."""
        return " ".join(e.message for e in self.errors)

    def add_to_form(self, form) -> None:
        """Attach every error to a Django form (non-field errors when the field is unknown)."""
        for error in self.errors:
            target = error.field if error.field in form.fields else None
            form.add_error(target, error.message)


class NotFound(DomainError, Http404):
    """A record that does not exist or that the user may not see: both answer 404.

    Also an ``Http404``, so a web view that lets it propagate shows the ordinary 404 page."""

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message, code="not_found", status=404)


class ConflictError(DomainError):
    """The request is well formed but contradicts the current state (a duplicate, a race)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field, code="conflict", status=409)
