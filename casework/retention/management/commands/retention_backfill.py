"""``python manage.py retention_backfill``: give a review clock to every closed case and every
declined or referred-out referral that has none (records that left work before retention was
installed, or while their rule was off).

Batched by primary key (``--batch``), one transaction per record, so that a national database
(a million referrals) is worked through without one long transaction, and a run stopped half-way
is simply run again: records that already have a review are skipped. A review that would already
be due is set ``--grace-days`` from now instead, so that old records do not all fall due, overdue,
on the first day.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Exists, OuterRef
from django.utils import timezone

from casework.cases.choices import CaseStatus
from casework.cases.models import Case
from casework.core.errors import DomainError
from casework.referrals.choices import ReferralStatus
from casework.referrals.models import Referral
from casework.retention import services
from casework.retention.models import LegalHold, RetentionReview


def _without_review(model, field: str):
    reviewed = RetentionReview.objects.filter(**{field: OuterRef("pk")})
    held = LegalHold.objects.filter(**{field: OuterRef("pk")}, lifted_at__isnull=True)
    return model.objects.filter(disposed_at__isnull=True).exclude(Exists(reviewed) | Exists(held))


class Command(BaseCommand):
    help = "Start retention reviews for closed cases and triaged referrals that have none."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="records read at a time")
        parser.add_argument("--grace-days", type=int, default=30, help="earliest due, from now")
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, batch: int, grace_days: int, dry_run: bool, **options) -> None:
        if not 1 <= batch <= 100_000 or not 1 <= grace_days <= 3650:
            self.stderr.write("retention_backfill:0: batch: 1 to 100,000; grace days: 1 to 3,650")
            raise SystemExit(2)
        not_before = timezone.now() + timedelta(days=grace_days)
        sources = [
            ("case", _without_review(Case, "case").filter(status=CaseStatus.CLOSED)),
            (
                "referral",
                _without_review(Referral, "referral").filter(
                    status__in=[ReferralStatus.DECLINED, ReferralStatus.REFERRED_OUT]
                ),
            ),
        ]
        for kind, queryset in sources:
            started = skipped = 0
            last = 0
            while True:
                ids = list(
                    queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
                )
                if not ids:
                    break
                last = ids[-1]
                if dry_run:
                    started += len(ids)
                    continue
                model = Case if kind == "case" else Referral
                for record in (
                    model.objects.filter(pk__in=ids).select_related("unit").order_by("pk")
                ):
                    try:
                        review = services.retention_review_schedule(
                            actor=None, not_before=not_before, **{kind: record}
                        )
                    except DomainError as error:
                        self.stderr.write(
                            f"retention_backfill:{record.pk}: {kind}: {error.message}"
                        )
                        skipped += 1
                        continue
                    started += review is not None
                    skipped += review is None
            verb = "would start" if dry_run else "started"
            self.stdout.write(
                f"{kind}s: {verb} {started} reviews; {skipped} without a rule in force"
            )
