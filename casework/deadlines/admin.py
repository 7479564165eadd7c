"""Administrators edit the rules. Deadlines themselves are case content and are not in the
admin: an administrator sees case content only when granted, through the normal pages."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from .models import DeadlineRule


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "jurisdiction",
        "kind",
        "priority",
        "duration_display",
        "day_count",
        "reminder_offsets",
        "verify_locally",
        "active",
    )
    list_filter = ("jurisdiction", "kind", "day_count", "verify_locally", "active")
    search_fields = ("name", "citation", "notes")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    ordering = ("jurisdiction", "kind", "priority")
    fieldsets = (
        (None, {"fields": ("kind", "jurisdiction", "priority", "name", "active")}),
        ("Source", {"fields": ("citation", "source_url", "verify_locally", "notes")}),
        (
            "Duration",
            {
                "fields": (
                    ("duration_months", "duration_days", "duration_hours"),
                    "day_count",
                    "end_of_day",
                    "roll_to_business_day",
                    "holiday_country",
                )
            },
        ),
        ("Reminders", {"fields": ("reminder_offsets", "repeats")}),
        (
            "Extension or renewal",
            {
                "fields": (
                    "extension_kind",
                    ("extension_months", "extension_days"),
                    "extensions_allowed",
                )
            },
        ),
    )

    @admin.display(description="Duration")
    def duration_display(self, rule: DeadlineRule) -> str:
        return rule.duration_label

    # The rules are the administrators' to keep (issue 4): the role grants it, without a
    # per-model permission to hand out separately.
    def _administrator(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.has_role("administrator")

    def has_module_permission(self, request) -> bool:
        return self._administrator(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._administrator(request) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._administrator(request) or super().has_change_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return self._administrator(request) or super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deadlines point at their rule; switching a rule off (active) keeps the history.
        return False
