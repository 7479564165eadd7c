"""State changes for partners: the directory, communications, requests and referrals out.

Each function is one transaction, validates before it writes, and writes its audit event. Work
under a case or a referral is allowed only to someone who can see that record (``checks``), so a
service called from the API or a command cannot be used to write into a case one cannot read.
"""

from __future__ import annotations

from .communications import communication_record
from .directory import (
    AGENCY_FIELDS,
    CONTACT_FIELDS,
    agency_create,
    agency_update,
    contact_create,
    contact_update,
)
from .requests import (
    partner_records_move_case,
    request_acknowledge,
    request_answer,
    request_change_status,
    request_close,
    request_create,
    request_refer_out,
    request_send,
)

__all__ = [
    "AGENCY_FIELDS",
    "CONTACT_FIELDS",
    "agency_create",
    "agency_update",
    "communication_record",
    "contact_create",
    "contact_update",
    "partner_records_move_case",
    "request_acknowledge",
    "request_answer",
    "request_change_status",
    "request_close",
    "request_create",
    "request_refer_out",
    "request_send",
]
