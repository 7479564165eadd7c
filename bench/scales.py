"""How much data each scale generates, and how many times each measurement repeats.

``national`` is issue 8's national unit: a million referrals a year and years of audit trail.
``medium`` is a tenth of it, for estimating national load rates in a few minutes; ``small`` is the
quick run (`make bench SCALE=small`); ``tiny`` is for the harness's own tests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Scale:
    name: str
    units: int
    investigators_per_unit: int
    supervisors_per_unit: int
    referrals: int
    cases: int
    identifiers: int
    deadlines: int
    custody_events: int
    audit_events: int
    # Measurements: requests per page (after warm-up) and sizes of the throughput runs.
    samples: int
    import_referrals: int
    audit_writes: int
    verify_events: int
    seal_events: int
    # Case identifiers the deconfliction lookup is measured against (issue 3 names 10M); the
    # scenario pads the table up to this inside a transaction it rolls back.
    deconfliction_identifiers: int = 0
    # How many years' worth of the scale's data (issue 26's two-year row): the volumes and the
    # history they spread over both grow with it, so the recent weeks a queue or a dashboard
    # reads hold as much as at one year; only what lies behind them grows.
    years: int = 1

    def over_years(self, years: int) -> Scale:
        """This scale with ``years`` times its data and history; measurement sizes unchanged."""
        if years == self.years:
            return self
        if years < 1:
            raise ValueError("years must be at least 1")
        grow = years / self.years
        return replace(
            self,
            name=self.name if years == 1 else f"{self.name}, {years} years",
            years=years,
            referrals=round(self.referrals * grow),
            cases=round(self.cases * grow),
            identifiers=round(self.identifiers * grow),
            deadlines=round(self.deadlines * grow),
            custody_events=round(self.custody_events * grow),
            audit_events=round(self.audit_events * grow),
        )

    @property
    def investigators(self) -> int:
        return self.units * self.investigators_per_unit


SCALES: dict[str, Scale] = {
    "tiny": Scale(
        name="tiny",
        units=2,
        investigators_per_unit=4,
        supervisors_per_unit=1,
        referrals=300,
        cases=60,
        identifiers=900,
        deadlines=300,
        custody_events=150,
        audit_events=2_000,
        samples=3,
        import_referrals=50,
        audit_writes=5,
        verify_events=500,
        seal_events=200,
    ),
    "small": Scale(
        name="small",
        units=4,
        investigators_per_unit=25,
        supervisors_per_unit=2,
        referrals=10_000,
        cases=2_000,
        identifiers=30_000,
        deadlines=10_000,
        custody_events=5_000,
        audit_events=200_000,
        samples=20,
        import_referrals=5_000,
        audit_writes=40,
        verify_events=50_000,
        seal_events=10_000,
    ),
    "medium": Scale(
        name="medium",
        units=10,
        investigators_per_unit=40,
        supervisors_per_unit=3,
        referrals=100_000,
        cases=20_000,
        identifiers=300_000,
        deadlines=100_000,
        custody_events=50_000,
        audit_events=2_000_000,
        samples=30,
        import_referrals=20_000,
        audit_writes=60,
        verify_events=200_000,
        seal_events=20_000,
    ),
    "national": Scale(
        name="national",
        units=20,
        investigators_per_unit=50,
        supervisors_per_unit=3,
        referrals=1_000_000,
        cases=200_000,
        identifiers=3_000_000,
        deadlines=1_000_000,
        custody_events=500_000,
        audit_events=20_000_000,
        samples=50,
        import_referrals=100_000,
        audit_writes=100,
        verify_events=1_000_000,
        seal_events=50_000,
        deconfliction_identifiers=10_000_000,
    ),
}
