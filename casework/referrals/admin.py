"""Administrators keep the incident-type list here.

Referrals themselves are deliberately not in the admin: an administrator sees case content only
when granted, and the admin has no need-to-know filter.
"""

from __future__ import annotations

from django.contrib import admin

from .models import IncidentType


@admin.register(IncidentType)
class IncidentTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "active", "position")
    list_editable = ("active", "position")
    search_fields = ("name", "code")
    ordering = ("position", "name")

    def has_delete_permission(self, request, obj=None) -> bool:
        # Retire a type (active = off) instead: referrals keep pointing at it.
        return False
