"""The shipped default rules, with their citations (see docs/deadlines.md for the table).

Durations are checked against the cited text. ``verify_locally`` marks rules where national law
or the unit's own policy decides (triage times, reviews, submission to the national database),
or where how the period is counted (receipt, working days) depends on the case.

Installed by migration 0002 and again whenever the rules table is found empty after a migrate
or a test-database flush (``install_default_rules``), so that opening a case never fails for
want of a case-review rule. Existing rows are never overwritten: administrators own them.
"""

from __future__ import annotations

US_2703 = "https://www.law.cornell.edu/uscode/text/18/2703"
US_2258A = "https://www.law.cornell.edu/uscode/text/18/2258A"
EU_2023_1543 = "https://eur-lex.europa.eu/eli/reg/2023/1543/oj"
BUDAPEST = "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=185"

POLICY = "Unit policy (shipped default, not law). Set it to your unit's written standard."

RULES = [
    # --- Referral triage by priority (unit policy) ---------------------------------------
    dict(
        kind="referral_triage",
        jurisdiction="",
        priority="P1",
        name="Triage of a P1 referral (child at imminent risk)",
        citation=POLICY + " P1: triage within 24 hours of receipt, around the clock.",
        verify_locally=True,
        duration_hours=24,
        end_of_day=False,
        reminder_offsets="12h, 4h, 1h",
    ),
    dict(
        kind="referral_triage",
        jurisdiction="",
        priority="P2",
        name="Triage of a P2 referral",
        citation=POLICY + " P2: triage within 72 hours of receipt.",
        verify_locally=True,
        duration_hours=72,
        end_of_day=False,
        reminder_offsets="24h, 4h",
    ),
    dict(
        kind="referral_triage",
        jurisdiction="",
        priority="P3",
        name="Triage of a P3 referral",
        citation=POLICY + " P3: triage within 7 days, by the end of the day.",
        verify_locally=True,
        duration_days=7,
        reminder_offsets="2d, 1d",
    ),
    dict(
        kind="referral_triage",
        jurisdiction="",
        priority="P4",
        name="Triage of a P4 referral",
        citation=POLICY + " P4: triage within 30 days, by the end of the day.",
        verify_locally=True,
        duration_days=30,
        reminder_offsets="7d, 1d",
    ),
    # --- United States ---------------------------------------------------------------------
    dict(
        kind="preservation_us_2703f",
        jurisdiction="US",
        name="Preservation request to a provider, 18 U.S.C. 2703(f)",
        citation=(
            '18 U.S.C. § 2703(f)(2): "Records referred to in paragraph (1) shall be retained '
            "for a period of 90 days, which shall be extended for an additional 90-day period "
            'upon a renewed request by the governmental entity."'
        ),
        source_url=US_2703,
        duration_days=90,
        reminder_offsets="14d, 7d, 1d",
        extension_kind="preservation_renewal",
        extension_days=90,
        extensions_allowed=1,
        notes=(
            "Counted from the day the request is sent (the provider's 90 days run from its "
            "receipt, so this is the safe side). Renew (one 90-day extension) at least 14 days "
            "before expiry, or serve legal process under 2703(b)-(d)."
        ),
    ),
    dict(
        kind="preservation_renewal",
        jurisdiction="US",
        name="Renewed preservation, 18 U.S.C. 2703(f) (the one extension)",
        citation=(
            '18 U.S.C. § 2703(f)(2): "... extended for an additional 90-day period upon a '
            'renewed request by the governmental entity." The statute provides one extension.'
        ),
        source_url=US_2703,
        duration_days=90,
        reminder_offsets="14d, 7d, 1d",
        extensions_allowed=0,
        verify_locally=True,
        notes=(
            "Serve legal process before this expires. Some providers accept a further request "
            "as a new preservation; that is provider practice, not the statute: verify locally."
        ),
    ),
    dict(
        kind="provider_report_act_preservation",
        jurisdiction="US",
        name="Provider preservation of a reported account (REPORT Act)",
        citation=(
            "18 U.S.C. § 2258A(h)(1), as amended by the REPORT Act (Pub. L. 118-59, 2024): a "
            "provider's completed CyberTipline report is treated as a request to preserve its "
            'contents "for 1 year after the submission to the CyberTipline" (formerly 90 days).'
        ),
        source_url=US_2258A,
        duration_months=12,
        reminder_offsets="60d, 30d, 14d, 7d",
        notes=(
            "Start it at the provider's submission to the CyberTipline (starts_at), not at our "
            "receipt of the referral. Legal process must be served before it ends."
        ),
    ),
    # --- European Union: e-Evidence Regulation ---------------------------------------------
    dict(
        kind="eu_production_order",
        jurisdiction="EU",
        name="European Production Order: data to be transmitted",
        citation=(
            "Regulation (EU) 2023/1543 (e-Evidence), Article 10: the addressee transmits the "
            'requested data "at the latest within 10 days following the receipt of the EPOC". '
            "Applies from 18 August 2026."
        ),
        source_url=EU_2023_1543,
        duration_days=10,
        reminder_offsets="3d, 1d",
        verify_locally=True,
        notes=(
            "Counted from the addressee's receipt of the certificate: set starts_at to it. "
            "Where the enforcing authority is notified (Article 8) its grounds for refusal can "
            "stop the clock; Regulation 1182/71 on periods may move an end that falls on a "
            "weekend or holiday. Verify locally."
        ),
    ),
    dict(
        kind="eu_production_order_emergency",
        jurisdiction="EU",
        name="European Production Order, emergency case",
        citation=(
            "Regulation (EU) 2023/1543, Article 10: in emergency cases the addressee transmits "
            'the data "without undue delay, at the latest within 8 hours following the receipt '
            'of the EPOC".'
        ),
        source_url=EU_2023_1543,
        duration_hours=8,
        end_of_day=False,
        reminder_offsets="4h, 1h",
        verify_locally=True,
        notes="Elapsed hours from receipt; weekends and holidays do not stop it.",
    ),
    dict(
        kind="eu_preservation_order",
        jurisdiction="EU",
        name="European Preservation Order",
        citation=(
            "Regulation (EU) 2023/1543, Article 11(1): the obligation to preserve ceases after "
            "60 days unless the issuing authority confirms a subsequent request for production; "
            "within those 60 days it may extend the obligation by an additional 30 days."
        ),
        source_url=EU_2023_1543,
        duration_days=60,
        reminder_offsets="14d, 7d, 1d",
        extension_days=30,
        extensions_allowed=1,
        verify_locally=True,
        notes="Extend with the Annex VI form before day 60, or confirm the production request.",
    ),
    # --- Council of Europe: Budapest Convention --------------------------------------------
    dict(
        kind="budapest_preservation",
        jurisdiction="CoE",
        name="Expedited preservation, Budapest Convention art. 16",
        citation=(
            "Convention on Cybercrime (ETS No. 185), Article 16(2): preservation "
            '"for a period of time as long as necessary, up to a maximum of ninety days ... '
            'A Party may provide for such an order to be subsequently renewed." For requests '
            'between Parties, Article 29(7): preservation "for a period not less than sixty days".'
        ),
        source_url=BUDAPEST,
        duration_days=90,
        reminder_offsets="14d, 7d, 1d",
        extension_days=90,
        verify_locally=True,
        notes=(
            "90 days is the Convention's maximum for one order; the actual period and whether "
            "and how often it can be renewed are national law. Verify locally."
        ),
    ),
    # --- Operational clocks (unit policy) --------------------------------------------------
    dict(
        kind="legal_process_response",
        jurisdiction="",
        name="Response to legal process",
        citation=POLICY + " The return date in the process governs: give the due time from it. "
        "14 days applies only when the process sets none.",
        verify_locally=True,
        duration_days=14,
        reminder_offsets="7d, 2d, 1d",
    ),
    dict(
        kind="icse_submission",
        jurisdiction="",
        name="Submission of seized material to the national database / INTERPOL ICSE",
        citation=POLICY + " Units joining ICSE commit to adding seized material promptly; no "
        "treaty sets a number of days. Default: 30 days after seizure.",
        verify_locally=True,
        duration_days=30,
        reminder_offsets="7d, 1d",
    ),
    dict(
        kind="safeguarding_review",
        jurisdiction="",
        name="Safeguarding review of an identified victim",
        citation=POLICY + " Review safeguarding within 7 days of identification or change; "
        "child-protection law and local procedures may require sooner.",
        verify_locally=True,
        duration_days=7,
        reminder_offsets="2d, 1d",
    ),
    dict(
        kind="case_review",
        jurisdiction="",
        name="Periodic case review",
        citation=POLICY + " Every open case is reviewed every 30 days; meeting a review starts "
        "the next one.",
        verify_locally=True,
        duration_days=30,
        reminder_offsets="7d, 1d",
        repeats=True,
    ),
    dict(
        kind="audit_weekly_review",
        jurisdiction="",
        name="Weekly audit review",
        citation=POLICY + " A supervisor reviews the unit's audit trail every week.",
        verify_locally=True,
        duration_days=7,
        reminder_offsets="1d, 2h",
        repeats=True,
    ),
    dict(
        kind="court_date",
        jurisdiction="",
        name="Court date",
        citation="Set by the court: the due time is always given.",
        reminder_offsets="14d, 7d, 1d, 2h",
        end_of_day=False,
    ),
    dict(
        kind="takedown_confirmation",
        jurisdiction="",
        name="Confirmation that a notified item was taken down",
        citation=POLICY + " Check removal 3 business days after the notice; some national "
        "laws set hours for removal by the host.",
        verify_locally=True,
        duration_days=3,
        day_count="business",
        reminder_offsets="1d",
    ),
    dict(
        kind="referral_out_acknowledgement",
        jurisdiction="",
        name="Acknowledgement of a referral sent to another agency",
        citation=POLICY + " Chase the receiving agency after 5 business days without an "
        "acknowledgement.",
        verify_locally=True,
        duration_days=5,
        day_count="business",
        reminder_offsets="1d",
    ),
    dict(
        kind="hash_set_acknowledgement",
        jurisdiction="",
        name="Acknowledgement of a hash set shared with a database or partner",
        citation=POLICY + " A hash set sent to the national database, ICSE or a partner and not "
        "acknowledged within 14 days is chased; the supervisor is told when it is overdue.",
        verify_locally=True,
        duration_days=14,
        reminder_offsets="2d",
    ),
]


def install_default_rules(rule_model, *, only_if_empty: bool = False) -> int:
    """Add the default rules that are missing to ``rule_model`` (the migration's historical
    model, or ``DeadlineRule``); returns how many were added."""
    if only_if_empty and rule_model.objects.exists():
        return 0
    added = 0
    for row in RULES:
        row = dict(row)
        key = {k: row.pop(k) for k in ("kind", "jurisdiction")}
        key["priority"] = row.pop("priority", "")
        _, created = rule_model.objects.get_or_create(**key, defaults=row)
        added += created
    return added
