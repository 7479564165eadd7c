"""Administrators edit the rules. Deadlines themselves are case content and are not in the
admin: an administrator sees case content only when granted, through the normal pages."""

from __future__ import annotations

from django.contrib import admin

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

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deadlines point at their rule; switching a rule off (active) keeps the history.
        return False
