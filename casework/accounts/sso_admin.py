"""Administrators keep the group mapping and link provider identities to existing accounts.

Every change here is captured by the audit ledger's database triggers, with who made it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin

from casework.core.forms import CaseworkModelForm

from .sso_models import ExternalIdentity, ProviderGroupMapping


class AdministratorsKeep:
    """The administrator role grants these pages, without per-model permissions to hand out."""

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
        return self._administrator(request) or super().has_delete_permission(request, obj)


class ProviderGroupMappingForm(CaseworkModelForm):
    class Meta:
        model = ProviderGroupMapping
        fields = ("group", "role", "unit")

    def clean_group(self) -> str:
        # Providers send groups verbatim; spaces around a pasted value would never match.
        return self.cleaned_data["group"].strip()


@admin.register(ProviderGroupMapping)
class ProviderGroupMappingAdmin(AdministratorsKeep, admin.ModelAdmin):
    form = ProviderGroupMappingForm
    list_display = ("group", "role", "unit", "updated_at")
    list_filter = ("role", "unit")
    list_select_related = ("unit",)
    search_fields = ("group",)


class ExternalIdentityForm(CaseworkModelForm):
    class Meta:
        model = ExternalIdentity
        fields = ("user", "issuer", "subject")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["issuer"].initial = getattr(settings, "CASEWORK_OIDC_ISSUER", "")
        self.fields["subject"].help_text = (
            "The provider's subject identifier (sub) for this person, as shown on the page "
            "they saw when their sign-in was refused. Never an e-mail address."
        )


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(AdministratorsKeep, admin.ModelAdmin):
    form = ExternalIdentityForm
    list_display = ("user", "subject", "issuer", "groups", "last_sign_in_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "subject")
    readonly_fields = ("groups", "last_sign_in_at")
    autocomplete_fields = ("user",)
