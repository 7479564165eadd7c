from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from casework.core.errors import DomainError

from . import passkeys, services
from .models import Unit, User


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "case_prefix", "time_zone")
    search_fields = ("code", "name")


@admin.register(User)
class CaseworkUserAdmin(UserAdmin):
    list_display = ("username", "get_full_name", "unit", "is_active", "locked_at", "last_login")
    list_filter = ("unit", "is_active", "groups", "is_service_account")
    list_select_related = ("unit",)
    readonly_fields = ("locked_at", "two_factor_key_shown_at", "last_login", "date_joined")
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            "Casework",
            {
                "fields": (
                    "unit",
                    "phone",
                    "time_zone",
                    "locked_at",
                    "two_factor_key_shown_at",
                    "deactivated_reason",
                )
            },
        ),
    )
    actions = ("release_lock", "reset_two_factor", "reset_passkeys")

    @admin.action(description="Release the sign-in lock of the selected accounts")
    def release_lock(self, request, queryset):
        released = 0
        for user in queryset.filter(locked_at__isnull=False):
            services.user_release_lock(user=user, actor=request.user)
            released += 1
        self.message_user(request, f"Released {released} account(s).", messages.SUCCESS)

    @admin.action(description="Reset the two-factor enrolment of the selected accounts")
    def reset_two_factor(self, request, queryset):
        reset = 0
        try:
            for user in queryset:
                services.two_factor_reset(user=user, actor=request.user)
                reset += 1
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(
            request,
            f"Reset the two-factor enrolment of {reset} account(s). Each will be shown a new key "
            "at their next sign-in.",
            messages.SUCCESS,
        )

    @admin.action(description="Remove the passkeys of the selected accounts")
    def reset_passkeys(self, request, queryset):
        users = removed = 0
        try:
            for user in queryset:
                removed += passkeys.passkeys_reset(user=user, actor=request.user)
                users += 1
        except DomainError as error:
            self.message_user(request, error.text, messages.ERROR)
            return
        self.message_user(
            request,
            f"Removed {removed} passkey(s) of {users} account(s). Their authenticator apps still "
            "work; each may add passkeys again once signed in.",
            messages.SUCCESS,
        )


# API tokens belong to service accounts (Service accounts page); a person is issued none. The
# personal tokens made before stay listed here so that an administrator can delete them.
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class PersonalTokenAdmin(TokenAdmin):
    def has_add_permission(self, request) -> bool:
        return False


# Single sign-on pages (group mapping, linked identities) live in their own module.
from . import sso_admin  # noqa: E402, F401
