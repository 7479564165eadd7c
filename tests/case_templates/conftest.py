from __future__ import annotations

import pytest

from casework.cases import services as case_services
from casework.referrals.models import IncidentType
from tests.case_templates.factories import make_template


@pytest.fixture
def enticement(db):
    return IncidentType.objects.get(code="online-enticement")


@pytest.fixture
def template(administrator, enticement):
    return make_template(admin=administrator, incident_type=enticement)


@pytest.fixture
def templated_case(template, investigator, teammate):
    case = case_services.case_open(
        actor=investigator,
        unit=investigator.unit,
        title="Synthetic templated case",
        lead=investigator,
        template_id=template.pk,
    )
    case_services.case_assign(actor=investigator, case=case, user=teammate)
    return case
