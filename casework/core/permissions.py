"""API permissions shared by more than one app's routes."""

from __future__ import annotations

from django.conf import settings
from rest_framework.permissions import BasePermission


class SchemaAccess(BasePermission):
    """Anyone while ``API_DOCS_PUBLIC`` (development), otherwise signed-in users only."""

    def has_permission(self, request, view) -> bool:
        return bool(
            getattr(settings, "API_DOCS_PUBLIC", False)
            or (request.user and request.user.is_authenticated)
        )
