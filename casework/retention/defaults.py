"""The retention schedule Casework ships: unit policy, not law, to be set to the force's own.

Periods follow the shape of the UK's Management of Police Information (MoPI) review groups and
the EU Law Enforcement Directive's demand for time limits and periodic review (Art. 4(1)(e),
Art. 5): short for reports that led nowhere, longer for investigations, and never more than ten
years without a review. Installed by the data migration and, for a flushed test database, by
``install_default_rules``; existing rows are never overwritten: administrators own them.
"""

from __future__ import annotations

POLICY = "Shipped default (unit policy, not law): set it to your force's retention policy."

# (record kind, outcome, months until the first review)
RULES = [
    ("referral", "declined", 12),
    ("referral", "referred_out", 12),
    ("case", "no_further_action", 72),
    ("case", "other", 72),
    ("case", "merged", 72),
    ("case", "referred", 72),
    ("case", "victims_safeguarded", 120),
    ("case", "arrests", 120),
    ("case", "charged", 120),
]


def install_default_rules(rule_model, *, only_if_empty: bool = False) -> int:
    """Add the shipped rules missing from ``rule_model`` (the migration's historical model, or
    the current one); how many were added."""
    if only_if_empty and rule_model.objects.exists():
        return 0
    added = 0
    for kind, outcome, months in RULES:
        if rule_model.objects.filter(record_kind=kind, outcome=outcome).exists():
            continue
        rule_model.objects.create(
            record_kind=kind,
            outcome=outcome,
            version=1,
            current=True,
            review_months=months,
            basis=POLICY,
            active=True,
        )
        added += 1
    return added
