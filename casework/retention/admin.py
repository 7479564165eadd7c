"""The schedule in the Django admin, read-only: a change is a new version made by
``retention_rule_change`` (the schedule page or the API), never an edit of a row."""

from __future__ import annotations

from django.contrib import admin

from .models import RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = ["record_kind", "outcome", "version", "review_months", "active", "current"]
    list_filter = ["record_kind", "current", "active"]
    ordering = ["record_kind", "outcome", "-version"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
