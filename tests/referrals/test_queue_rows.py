"""The queue's rows built in one pass (``{% referral_rows %}``, issue 26) are the markup the row
template wrote, byte for byte: kept below as it was, and rendered over referrals of every kind
of row (waiting, overdue, without a clock, triaged into a case, escalated, with text that must
be escaped)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone

from casework.referrals import services
from casework.referrals.models import Referral
from casework.referrals.selectors import QueueFilters, referral_queue
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db

ROW_TEMPLATE = """{% load casework referrals_tags %}
  {% for referral in referrals %}
    <tr>
      <td>{% time_left referral now %}</td>
      <td><span class="priority priority-{{ referral.priority|lower }}">{{ referral.priority }}</span>{% if referral.escalation_requested %} <span class="alert">escalation asked</span>{% endif %}</td>
      <td>{{ referral.get_source_kind_display }}<br><span class="text-base-dark">{{ referral.source_agency }}</span></td>
      <th scope="row"><a href="{% url 'referrals:detail' referral.pk %}">{{ referral.source_reference }}</a></th>
      <td>{% when referral.received_at %}</td>
      <td>{{ referral.get_status_display }}{% if referral.case %} ({% case_link referral.case.number %}){% endif %}</td>
      <td>{{ referral.incident_type.name|default:"—" }}</td>
    </tr>
  {% endfor %}
  </tbody>"""  # noqa: E501

ONE_PASS = """{% load referrals_tags %}
  {% referral_rows referrals now %}
  </tbody>"""


def test_the_rows_are_the_templates_rows(investigator, supervisor):
    now = timezone.now()
    made = [
        make_referral(actor=investigator, received_at=now - timedelta(hours=h), priority=p)
        for h, p in ((1, "P1"), (30, "P2"), (200, "P3"), (2, "P4"))
    ]
    make_referral(
        actor=investigator,
        received_at=now - timedelta(hours=3),
        source_agency='Example <Agency> & "Partners"',
        source_reference="REF<1>&'2'",
    )
    Referral.objects.filter(pk=made[0].pk).update(escalation_requested=True)
    Referral.objects.filter(pk=made[3].pk).update(triage_due_at=None)
    services.referral_accept(actor=investigator, referral=made[1], lead=investigator)
    rows = list(referral_queue(user=supervisor, filters=QueueFilters(status="all")))
    assert len(rows) == 5
    for zone in ("UTC", "Europe/Paris"):
        with timezone.override(zone), time_machine.travel(now, tick=False):
            context = Context({"referrals": rows, "now": now})
            old = Template(ROW_TEMPLATE).render(context)
            new = Template(ONE_PASS).render(context)
        assert new == old
        assert "escalation asked" in new and "&lt;Agency&gt;" in new and "overdue by" in new
