"""Web forms. They only shape input; the services decide what is allowed.

Times are entered as the local time of the place where the thing happened (a ``datetime-local``
field) in a chosen time zone; the form turns that into UTC and keeps the offset, so the report
can print both.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.utils import timezone

from casework.accounts.models import User
from casework.cases.selectors import users_who_can_see_case
from casework.core.forms import CaseworkForm, CaseworkModelForm

from .choices import FINAL_KINDS, EventKind, HashAlgorithm, ItemKind, SealState
from .models import CustodyEvent, EvidenceItem, EvidenceStore
from .selectors import stores_for_choice

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full else obj.username


def unit_people(unit_id: int):
    # People only: a service account never seizes, carries or examines anything.
    return User.objects.filter(unit_id=unit_id, is_active=True, is_service_account=False).order_by(
        "username"
    )


def default_zone(user) -> str:
    return (
        getattr(user, "time_zone", "")
        or getattr(getattr(user, "unit", None), "time_zone", "")
        or settings.TIME_ZONE
    )


def local_now(zone_name: str) -> datetime:
    """Now on the reader's wall clock, to the minute: the default of a custody event's time,
    which is usually recorded as it happens. A seizure is not given one: it is mostly recorded
    afterwards, and a default nobody changed would put a wrong time in the chain."""
    return timezone.localtime(timezone.now(), ZoneInfo(zone_name)).replace(
        second=0, microsecond=0, tzinfo=None
    )


class LocalTimeMixin:
    """Adds a time zone field and turns naive local inputs into aware UTC plus an offset."""

    time_fields: tuple[str, ...] = ()

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"].strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise forms.ValidationError(f"Unknown time zone {name!r}.") from error
        return name

    def clean(self):
        data = super().clean()
        zone_name = data.get("time_zone")
        if not zone_name:
            return data
        zone = ZoneInfo(zone_name)
        offset = 0
        for name in self.time_fields:
            value: datetime | None = data.get(name)
            if value is None:
                continue
            local = value.replace(tzinfo=None).replace(tzinfo=zone)
            data[name] = local
            if name == self.time_fields[0]:
                offset = int(local.utcoffset().total_seconds() // 60)
        data["local_offset_minutes"] = offset
        return data


class StoreForm(CaseworkModelForm):
    metadata_api_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Metadata API URL",
        help_text="Recorded for operators; Casework does not call it.",
    )

    class Meta:
        model = EvidenceStore
        fields = ["name", "identifier_pattern", "metadata_api_url", "is_active"]
        help_texts = {
            "identifier_pattern": r"A regular expression anchored with ^ and $, e.g. "
            r"^DEMS-\d{4}-\d{6}$",
        }


class ItemForm(LocalTimeMixin, CaseworkForm):
    time_fields = ("seized_at",)

    store = forms.ModelChoiceField(queryset=EvidenceStore.objects.none())
    store_identifier = forms.CharField(max_length=200, label="Store identifier")
    exhibit_number = forms.CharField(max_length=60)
    root_item = forms.ModelChoiceField(
        queryset=EvidenceItem.objects.none(),
        required=False,
        label="Derived from exhibit",
        help_text="For a disk image or extraction: the exhibit it was made from.",
    )
    kind = forms.ChoiceField(choices=ItemKind.choices)
    make = forms.CharField(max_length=100, required=False)
    model_name = forms.CharField(max_length=100, required=False, label="Model")
    serial_number = forms.CharField(max_length=100, required=False)
    description = forms.CharField(
        max_length=500,
        required=False,
        help_text="Neutral and physical only (colour, case, labels). Never content.",
    )
    seized_at = forms.DateTimeField(widget=LOCAL_INPUT, label="Seized at (local time)")
    time_zone = forms.CharField(max_length=64)
    seized_place = forms.CharField(max_length=200, label="Place of seizure")
    seizure_authority = forms.CharField(max_length=120, label="Authority (warrant/order no.)")
    seized_by = PersonChoiceField(queryset=User.objects.none())
    seal_numbers = forms.CharField(
        max_length=500, required=False, help_text="Seal or bag numbers, separated by commas."
    )
    hash_algorithm = forms.ChoiceField(choices=[("", "—"), *HashAlgorithm.choices], required=False)
    hash_value = forms.CharField(max_length=200, required=False, label="Hash value (hex)")

    def __init__(self, *args, case, user, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("time_zone", default_zone(user))
        kwargs["initial"].setdefault("seized_by", user.pk)
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores_for_choice()
        self.fields["root_item"].queryset = EvidenceItem.objects.filter(case=case).order_by(
            "exhibit_number"
        )
        self.fields["seized_by"].queryset = unit_people(case.unit_id)

    # The service checks hashes as a list ("hashes.value"); this form asks for one hash.
    SERVICE_FIELDS = {
        "hashes": "hash_algorithm",
        "hashes.algorithm": "hash_algorithm",
        "hashes.value": "hash_value",
    }

    def add_service_error(self, error) -> None:
        for problem in error.errors:
            name = self.SERVICE_FIELDS.get(problem.field, problem.field)
            self.add_error(name if name in self.fields else None, problem.message)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("time_zone")
        algorithm, value = data.pop("hash_algorithm"), data.pop("hash_value")
        data["hashes"] = [(algorithm, value)] if algorithm or value else []
        data["seal_numbers"] = [s for s in data["seal_numbers"].split(",") if s.strip()]
        return data


EVENT_FORM_KINDS = [
    (k, label) for k, label in EventKind.choices if k not in FINAL_KINDS and k != EventKind.SEIZED
]


_HANDOVER_FIELDS = [
    "released_by",
    "received_by",
    "external_party",
    "seal_state",
    "seal_numbers",
    "condition_on_receipt",
    "transport_method",
    "tracking_number",
]
_CHANGE_FIELDS = ["change_made", "change_made_by", "change_reason"]


class EventForm(LocalTimeMixin, CaseworkForm):
    time_fields = ("started_at", "ended_at")
    # The fields each kind of event asks for (the rules are in custody_event_record); the page
    # shows only these once a kind is chosen, and every field when scripts are off.
    fields_for_kind: ClassVar[dict[str, list[str]]] = {
        EventKind.RECEIVED: _HANDOVER_FIELDS,
        EventKind.TRANSFERRED: [*_HANDOVER_FIELDS, "transfer_reason"],
        EventKind.CHECKED_OUT: [*_HANDOVER_FIELDS, "purpose", *_CHANGE_FIELDS],
        EventKind.RETURNED: [*_HANDOVER_FIELDS, *_CHANGE_FIELDS],
        EventKind.SEALED: ["seal_numbers"],
        EventKind.UNSEALED: ["seal_numbers", *_CHANGE_FIELDS],
        EventKind.HASH_VERIFIED: ["tool_name", "tool_version", "hash_algorithm", "hash_value"],
        EventKind.SUBMITTED: [
            "submission_reference",
            "hash_set_identifier",
            "count_new",
            "count_known",
            "count_series_matched",
        ],
        EventKind.CORRECTION: ["corrects"],
    }

    kind = forms.ChoiceField(choices=EVENT_FORM_KINDS)
    started_at = forms.DateTimeField(
        widget=LOCAL_INPUT,
        label="Start (local time)",
        required=False,
        help_text="Left empty for a correction: it is dated now.",
    )
    ended_at = forms.DateTimeField(widget=LOCAL_INPUT, label="End (local time)", required=False)
    time_zone = forms.CharField(max_length=64)
    place = forms.CharField(max_length=200, required=False)
    released_by = PersonChoiceField(queryset=User.objects.none(), required=False)
    received_by = PersonChoiceField(queryset=User.objects.none(), required=False)
    external_party = forms.CharField(
        max_length=200, required=False, help_text="Someone outside Casework (court, owner)."
    )
    purpose = forms.CharField(max_length=300, required=False)
    transfer_reason = forms.CharField(
        max_length=300,
        required=False,
        label="Reason for the transfer",
        help_text="Needed for a transfer: why the item changes hands.",
    )
    authority = forms.CharField(max_length=120, required=False)
    transport_method = forms.CharField(max_length=100, required=False)
    tracking_number = forms.CharField(max_length=100, required=False)
    tool_name = forms.CharField(max_length=100, required=False, label="Tool")
    tool_version = forms.CharField(max_length=60, required=False)
    condition_on_receipt = forms.CharField(max_length=300, required=False)
    seal_state = forms.ChoiceField(
        choices=[("", "—"), *SealState.choices], required=False, label="Seal state on receipt"
    )
    seal_numbers = forms.CharField(max_length=500, required=False)
    change_made = forms.CharField(max_length=300, required=False, label="Unavoidable change")
    change_made_by = PersonChoiceField(queryset=User.objects.none(), required=False)
    change_reason = forms.CharField(max_length=300, required=False)
    hash_algorithm = forms.ChoiceField(choices=[("", "—"), *HashAlgorithm.choices], required=False)
    hash_value = forms.CharField(max_length=200, required=False, label="Hash value computed")
    submission_reference = forms.CharField(max_length=120, required=False)
    hash_set_identifier = forms.CharField(max_length=120, required=False)
    count_new = forms.IntegerField(min_value=0, required=False, label="New (count)")
    count_known = forms.IntegerField(min_value=0, required=False, label="Already known (count)")
    count_series_matched = forms.IntegerField(
        min_value=0, required=False, label="Series matched (count)"
    )
    corrects = forms.ModelChoiceField(
        queryset=CustodyEvent.objects.none(), required=False, label="Corrects event"
    )
    note = forms.CharField(max_length=500, required=False)
    expected_last_event = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, item: EvidenceItem, user, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("time_zone", default_zone(user))
        kwargs["initial"].setdefault("started_at", local_now(kwargs["initial"]["time_zone"]))
        kwargs["initial"].setdefault("expected_last_event", item.last_event_id)
        super().__init__(*args, **kwargs)
        people = unit_people(item.case.unit_id)
        for name in ("released_by", "change_made_by"):
            self.fields[name].queryset = people
        # Only people who can see the case may receive the item (the service refuses others).
        self.fields["received_by"].queryset = people.filter(
            pk__in=users_who_can_see_case(item.case).values("pk")
        )
        self.fields["corrects"].queryset = CustodyEvent.objects.filter(item=item).order_by(
            "sequence"
        )
        self.fields["corrects"].label_from_instance = lambda e: (
            f"#{e.sequence} {e.get_kind_display()}"
        )

    def fields_for_json(self) -> str:
        return json.dumps({str(kind): names for kind, names in self.fields_for_kind.items()})

    def service_kwargs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data.pop("time_zone", None)
        data["kind"] = self.cleaned_data["kind"]
        data["local_offset_minutes"] = self.cleaned_data.get("local_offset_minutes", 0)
        if data["kind"] == EventKind.CORRECTION:
            # A correction is dated when it is recorded (the service does that), not by the
            # start time the form offers by default for other kinds.
            data.pop("started_at", None)
        if "seal_numbers" in data:
            data["seal_numbers"] = [s for s in data["seal_numbers"].split(",") if s.strip()]
        return data


class HashForm(CaseworkForm):
    algorithm = forms.ChoiceField(choices=HashAlgorithm.choices)
    value = forms.CharField(max_length=200, label="Value (hex)")


class SignOffForm(LocalTimeMixin, CaseworkForm):
    time_fields = ("started_at",)

    kind = forms.ChoiceField(
        choices=[(EventKind.RELEASED, "Release"), (EventKind.DISPOSED, "Disposal")]
    )
    started_at = forms.DateTimeField(widget=LOCAL_INPUT, label="When (local time)")
    time_zone = forms.CharField(max_length=64)
    place = forms.CharField(max_length=200, required=False)
    external_party = forms.CharField(
        max_length=200, required=False, label="Released to", help_text="Needed for a release."
    )
    authority = forms.CharField(max_length=120, label="Authority (order/decision no.)")
    purpose = forms.CharField(max_length=300, required=False, label="Reason")
    transport_method = forms.CharField(max_length=100, required=False)
    tracking_number = forms.CharField(max_length=100, required=False)
    note = forms.CharField(max_length=500, required=False)
    expected_last_event = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, item: EvidenceItem, user, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("time_zone", default_zone(user))
        kwargs["initial"].setdefault("started_at", local_now(kwargs["initial"]["time_zone"]))
        kwargs["initial"].setdefault("expected_last_event", item.last_event_id)
        super().__init__(*args, **kwargs)

    def fields_for_json(self) -> str:
        return json.dumps({str(kind): names for kind, names in self.fields_for_kind.items()})

    def service_kwargs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data.pop("time_zone", None)
        data["started_at"] = self.cleaned_data["started_at"]
        return data
