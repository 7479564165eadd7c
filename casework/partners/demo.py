"""Demo partners: synthetic agencies in several countries, contacts, communications, and requests
in every state on the demo cases and referrals (idempotent; neutral, synthetic text only)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from casework.accounts.models import User
from casework.cases.models import Case
from casework.cases.services import case_open
from casework.referrals.models import Referral

from . import services
from .choices import (
    AgencyKind,
    Channel,
    Direction,
    HandlingCode,
    LegalBasis,
    RequestKind,
    RequestStatus,
)
from .models import Agency, Communication, Contact, PartnerRequest

# name, country, kind, ICSE, 24/7 line
AGENCIES = (
    ("Example Police Service (FR)", "FR", AgencyKind.POLICE, True, "+33 1 00 00 00 00"),
    ("Example Police Service (DE)", "DE", AgencyKind.POLICE, True, "+49 30 0000 0000"),
    ("Example Prosecutor's Office (NL)", "NL", AgencyKind.PROSECUTOR, False, ""),
    ("Example Hotline (ES)", "ES", AgencyKind.HOTLINE, False, ""),
    ("Example Online Provider (US)", "US", AgencyKind.PROVIDER, False, "lers@provider.invalid"),
    ("Example International Police Organisation", "FR", AgencyKind.INTERNATIONAL, True, "I-24/7"),
    ("Example Child Protection NGO (IE)", "IE", AgencyKind.NGO, False, ""),
    ("Example Police Service (BR)", "BR", AgencyKind.POLICE, False, "+55 61 0000 0000"),
)

# agency name, contact name, role, languages, time zone, 24/7?
CONTACTS = (
    (
        "Example Police Service (FR)",
        "Officer Camille Exemple",
        "Liaison officer",
        "fr, en",
        "Europe/Paris",
        True,
    ),
    (
        "Example Police Service (FR)",
        "Officer Dominique Exemple",
        "Duty analyst",
        "fr",
        "Europe/Paris",
        False,
    ),
    (
        "Example Police Service (DE)",
        "Officer Kim Beispiel",
        "Duty officer",
        "de, en",
        "Europe/Berlin",
        True,
    ),
    (
        "Example Prosecutor's Office (NL)",
        "Prosecutor Sam Voorbeeld",
        "Public prosecutor",
        "nl, en",
        "Europe/Amsterdam",
        False,
    ),
    (
        "Example Hotline (ES)",
        "Analyst Alex Ejemplo",
        "Content analyst",
        "es, en",
        "Europe/Madrid",
        False,
    ),
    (
        "Example Online Provider (US)",
        "Law Enforcement Response Team",
        "Legal process desk",
        "en",
        "America/Los_Angeles",
        True,
    ),
    (
        "Example International Police Organisation",
        "Specialist Robin Example",
        "Victim identification specialist",
        "en, fr, es",
        "Europe/Paris",
        True,
    ),
    (
        "Example Child Protection NGO (IE)",
        "Coordinator Jamie Example",
        "Partnerships",
        "en",
        "Europe/Dublin",
        False,
    ),
    (
        "Example Police Service (BR)",
        "Officer Ariel Exemplo",
        "Liaison officer",
        "pt, en",
        "America/Sao_Paulo",
        True,
    ),
)

# status, kind, legal basis, agency, days ago sent, days to answer, reference
REQUESTS = (
    (
        RequestStatus.DRAFT,
        RequestKind.MLAT,
        LegalBasis.DOMESTIC,
        "Example Prosecutor's Office (NL)",
        None,
        None,
        "",
    ),
    (
        RequestStatus.SENT,
        RequestKind.PRESERVATION,
        LegalBasis.US_2703F,
        "Example Online Provider (US)",
        12,
        None,
        "DEMO-LERS-0001",
    ),
    (
        RequestStatus.ACKNOWLEDGED,
        RequestKind.PRODUCTION,
        LegalBasis.EU_E_EVIDENCE,
        "Example Police Service (DE)",
        6,
        1,
        "DEMO-DE-0002",
    ),
    (
        RequestStatus.PARTIAL,
        RequestKind.EMERGENCY,
        LegalBasis.VOLUNTARY,
        "Example Online Provider (US)",
        20,
        2,
        "DEMO-LERS-0003",
    ),
    (
        RequestStatus.FULFILLED,
        RequestKind.TAKEDOWN,
        LegalBasis.VOLUNTARY,
        "Example Hotline (ES)",
        30,
        3,
        "DEMO-ES-0004",
    ),
    (
        RequestStatus.FULFILLED,
        RequestKind.PRESERVATION,
        LegalBasis.US_2703F,
        "Example Online Provider (US)",
        60,
        5,
        "DEMO-LERS-0005",
    ),
    (
        RequestStatus.REFUSED,
        RequestKind.PRODUCTION,
        LegalBasis.DOMESTIC,
        "Example Police Service (BR)",
        45,
        21,
        "DEMO-BR-0006",
    ),
    (
        RequestStatus.EXPIRED,
        RequestKind.PRESERVATION,
        LegalBasis.BUDAPEST,
        "Example Police Service (BR)",
        120,
        None,
        "DEMO-BR-0007",
    ),
    (
        RequestStatus.WITHDRAWN,
        RequestKind.DATABASE,
        LegalBasis.DOMESTIC,
        "Example International Police Organisation",
        15,
        None,
        "DEMO-ICSE-0008",
    ),
    (
        RequestStatus.FULFILLED,
        RequestKind.DATABASE,
        LegalBasis.DOMESTIC,
        "Example International Police Organisation",
        25,
        4,
        "DEMO-ICSE-0009",
    ),
)

DEMO_MARK = "(demo)"


def _demo_case(lead: User) -> Case:
    # The case that already holds this demo's records comes first: other demo seeds (the
    # oversight history) open older cases for the same lead, and picking "the oldest open case"
    # again would copy the whole partner demo onto one of those on every run.
    seeded = (
        PartnerRequest.objects.filter(
            case__unit_id=lead.unit_id, case__lead=lead, summary__endswith=DEMO_MARK
        )
        .order_by("id")
        .values_list("case_id", flat=True)
        .first()
    )
    if seeded is not None:
        return Case.objects.get(pk=seeded)
    case = (
        Case.objects.filter(unit_id=lead.unit_id, lead=lead, closed_at__isnull=True)
        .order_by("opened_at", "id")
        .first()
    )
    if case is not None:
        return case
    return case_open(
        actor=lead, unit=lead.unit, title="Synthetic case 0900 (partners demo)", lead=lead
    )


def seed(*, stdout) -> None:
    inv = User.objects.filter(username="inv.north").first()
    inv_south = User.objects.filter(username="inv.south").first()
    if inv is None:
        return
    agencies = {}
    for name, country, kind, icse, line in AGENCIES:
        agency = Agency.objects.filter(name=name, country=country).first()
        agencies[name] = agency or services.agency_create(
            actor=inv, name=name, country=country, kind=kind, icse_connected=icse, duty_line=line
        )
    contacts = {}
    for agency_name, name, role, languages, zone, duty in CONTACTS:
        agency = agencies[agency_name]
        contact = Contact.objects.filter(agency=agency, name=name).first()
        if contact is None:
            contact = services.contact_create(
                actor=inv,
                agency=agency,
                name=name,
                role=role,
                email=f"{name.split()[-1].lower()}.{agency.country.lower()}@example.invalid",
                secure_channel="I-24/7" if agency.icse_connected else "",
                languages=languages,
                time_zone=zone,
            )
            if duty:
                services.agency_update(actor=inv, agency=agency, duty_contact=contact)
        contacts.setdefault(agency_name, contact)

    case = _demo_case(inv)
    created = _seed_requests(inv, case, agencies, contacts)
    created += _seed_communications(inv, case, agencies, contacts)
    referral = (
        Referral.objects.filter(unit_id=inv.unit_id, case__isnull=True).order_by("id").first()
    )
    already = Communication.objects.filter(referral__isnull=False, summary__endswith=DEMO_MARK)
    if referral is not None and not already.exists():
        services.communication_record(
            actor=inv,
            referral=referral,
            agency=agencies["Example Hotline (ES)"],
            contact=contacts["Example Hotline (ES)"],
            direction=Direction.INCOMING,
            channel=Channel.EMAIL,
            summary=f"Hotline confirmed the synthetic report reference {DEMO_MARK}",
            occurred_at=timezone.now() - timedelta(hours=5),
        )
        created += 1
    if inv_south is not None:
        south_case = _demo_case(inv_south)
        if not PartnerRequest.objects.filter(case=south_case).exists():
            request = services.request_create(
                actor=inv_south,
                case=south_case,
                agency=agencies["Example Police Service (FR)"],
                direction=Direction.OUTGOING,
                kind=RequestKind.PRESERVATION,
                legal_basis=LegalBasis.BUDAPEST,
                handling_code=HandlingCode.LAW_ENFORCEMENT,
                summary=f"Preserve account user_5521 {DEMO_MARK}",
            )
            services.request_send(
                actor=inv_south, request=request, sent_at=timezone.now() - timedelta(days=9)
            )
            created += 1
    stdout.write(
        f"partners: {len(agencies)} agencies, {Contact.objects.count()} contacts, "
        f"{created} new demo records"
    )


def _seed_requests(inv, case, agencies, contacts) -> int:
    now = timezone.now()
    created = 0
    for index, (status, kind, basis, agency_name, sent_days, answer_days, ref) in enumerate(
        REQUESTS, start=1
    ):
        summary = f"Synthetic request {index:04d}: account user_{8800 + index} {DEMO_MARK}"
        if PartnerRequest.objects.filter(case=case, summary=summary).exists():
            continue
        agency = agencies[agency_name]
        request = services.request_create(
            actor=inv,
            case=case,
            agency=agency,
            contact=contacts.get(agency_name),
            direction=Direction.OUTGOING,
            kind=kind,
            legal_basis=basis,
            handling_code=HandlingCode.LAW_ENFORCEMENT,
            summary=summary,
        )
        created += 1
        if status == RequestStatus.DRAFT:
            continue
        sent_at = now - timedelta(days=sent_days)
        request = services.request_send(
            actor=inv, request=request, sent_at=sent_at, external_reference=ref
        )
        answered_at = sent_at + timedelta(days=answer_days or 0)
        if status == RequestStatus.ACKNOWLEDGED:
            services.request_acknowledge(actor=inv, request=request, acknowledged_at=answered_at)
        elif status in (RequestStatus.PARTIAL, RequestStatus.FULFILLED, RequestStatus.REFUSED):
            services.request_answer(
                actor=inv,
                request=request,
                outcome=status,
                answered_at=answered_at,
                note=f"Answer recorded {DEMO_MARK}",
            )
        elif status in (RequestStatus.EXPIRED, RequestStatus.WITHDRAWN):
            services.request_close(
                actor=inv,
                request=request,
                status=status,
                at=sent_at + timedelta(days=min(sent_days - 1, 91)),
                note=f"Closed without answer {DEMO_MARK}",
            )
    if not PartnerRequest.objects.filter(case=case, kind=RequestKind.REFERRAL_OUT).exists():
        services.request_refer_out(
            actor=inv,
            case=case,
            agency=agencies["Example Police Service (FR)"],
            contact=contacts.get("Example Police Service (FR)"),
            handling_code=HandlingCode.LAW_ENFORCEMENT,
            summary=f"Case summary and identifiers of the subject located in FR {DEMO_MARK}",
            sent_at=now - timedelta(days=2),
        )
        created += 1
    return created


def _seed_communications(inv, case, agencies, contacts) -> int:
    if Communication.objects.filter(case=case, summary__endswith=DEMO_MARK).exists():
        return 0
    now = timezone.now()
    rows = (
        (
            "Example Online Provider (US)",
            Direction.OUTGOING,
            Channel.PORTAL,
            HandlingCode.LAW_ENFORCEMENT,
            12,
            "Submitted the preservation letter through the portal",
        ),
        (
            "Example Online Provider (US)",
            Direction.INCOMING,
            Channel.EMAIL,
            "",
            11,
            "Provider confirmed receipt and gave its reference",
        ),
        (
            "Example Police Service (FR)",
            Direction.OUTGOING,
            Channel.SECURE,
            HandlingCode.ORIGINATOR_ONLY,
            3,
            "Shared the subject's synthetic identifiers",
        ),
        (
            "Example Police Service (FR)",
            Direction.INCOMING,
            Channel.PHONE,
            "",
            2,
            "Duty officer called to agree next steps",
        ),
        (
            "Example International Police Organisation",
            Direction.OUTGOING,
            Channel.I247,
            HandlingCode.SHAREABLE,
            1,
            "Asked whether the series is already known in ICSE",
        ),
    )
    for agency_name, direction, channel, code, days, text in rows:
        services.communication_record(
            actor=inv,
            case=case,
            agency=agencies[agency_name],
            contact=contacts.get(agency_name),
            direction=direction,
            channel=channel,
            handling_code=code,
            summary=f"{text} {DEMO_MARK}",
            occurred_at=now - timedelta(days=days),
        )
    return len(rows)
