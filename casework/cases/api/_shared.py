"""What the case routes share: pagination orders, reading the body, and finding the case."""

from __future__ import annotations

from casework.accounts.models import User
from casework.core.api import CreatedCursorPagination
from casework.core.errors import DomainError

from .. import selectors
from ..models import Case

REASON_HEADER = "Casework-Reason"


class OpenedCursorPagination(CreatedCursorPagination):
    ordering = ("-opened_at", "-id")


class OldestFirstPagination(CreatedCursorPagination):
    ordering = ("created_at", "id")


def user_in_unit(username: str, unit_id: int | None, field: str) -> User:
    user = User.objects.filter(username=username, unit_id=unit_id).first()
    if user is None:
        raise DomainError(f"No user {username!r} in this unit.", field=field)
    return user


def valid_data(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def case_viewed(request, number: str, *, tab: str = "api") -> Case:
    return selectors.case_view(user=request.user, number=number, tab=tab)


def case_quiet(request, number: str) -> Case:
    return selectors.case_get_for(user=request.user, number=number)
