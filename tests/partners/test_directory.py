from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.core.errors import DomainError
from casework.partners import services
from casework.partners.models import Agency, Contact, ContactVersion
from casework.partners.selectors import agencies_search
from tests.partners.factories import make_agency, make_contact

pytestmark = pytest.mark.django_db


def test_it_adds_an_agency_with_a_normalised_country(investigator):
    agency = make_agency(actor=investigator, name="Example Hotline", country="de", kind="hotline")
    assert agency.country == "DE"
    assert AuditEvent.objects.filter(action="agency.create", object_id=str(agency.pk)).exists()


@pytest.mark.parametrize("code", ["XX", "FRA", "1A", ""])
def test_it_refuses_an_unknown_country_code_and_writes_nothing(investigator, code):
    with pytest.raises(DomainError) as error:
        make_agency(actor=investigator, name="Example Police Service (ZZ)", country=code)
    assert error.value.errors[0].field == "country"
    assert not Agency.objects.exists()
    assert not AuditEvent.objects.filter(action="agency.create").exists()


def test_the_database_refuses_a_malformed_country_too(investigator):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Agency.objects.create(name="Raw", country="fr", kind="police")


def test_it_refuses_the_same_agency_twice(investigator, agency):
    with pytest.raises(DomainError) as error:
        make_agency(actor=investigator, name="example police service", country="FR")
    assert error.value.status == 409


def test_an_auditor_cannot_change_the_directory(auditor):
    with pytest.raises(DomainError) as error:
        make_agency(actor=auditor, name="Example Police Service (BE)", country="BE")
    assert error.value.status == 403


def test_the_directory_is_searched_by_words_of_the_name(investigator, outsider):
    make_agency(actor=investigator, name="Example Police Service", country="FR")
    make_agency(
        actor=investigator, name="Example Cyber Prosecutor", country="NL", kind="prosecutor"
    )
    make_agency(actor=investigator, name="Sample Hotline", country="DE", kind="hotline")
    names = [a.name for a in agencies_search(user=outsider, query="exam pol")]
    assert names == ["Example Police Service"]
    assert [a.country for a in agencies_search(user=outsider, query="example")] == ["NL", "FR"]
    assert [a.name for a in agencies_search(user=outsider, country="de")] == ["Sample Hotline"]
    assert [a.name for a in agencies_search(user=outsider, kind="prosecutor")] == [
        "Example Cyber Prosecutor"
    ]
    assert list(agencies_search(user=outsider, query="&|!:*")) != []  # punctuation is ignored


def test_the_24_7_contact_must_work_at_the_agency(investigator, agency, other_agency):
    stranger = make_contact(actor=investigator, agency=other_agency, name="Pat Example")
    with pytest.raises(DomainError) as error:
        services.agency_update(actor=investigator, agency=agency, duty_contact=stranger)
    assert error.value.errors[0].field == "duty_contact"
    agency.refresh_from_db()
    assert agency.duty_contact is None


def test_a_contact_change_keeps_the_earlier_version(investigator, teammate, contact):
    services.contact_update(
        actor=teammate, contact=contact, email="new.liaison@example.invalid", languages="en, de"
    )
    contact.refresh_from_db()
    assert contact.version == 2
    assert contact.languages == ["en", "de"]
    versions = list(ContactVersion.objects.filter(contact=contact).order_by("version"))
    assert [v.snapshot["email"] for v in versions] == [
        "liaison@example.invalid",
        "new.liaison@example.invalid",
    ]
    assert versions[1].changed_by == teammate
    event = AuditEvent.objects.get(action="contact.update", object_id=str(contact.pk))
    assert event.changes["email"] == ["liaison@example.invalid", "new.liaison@example.invalid"]
    assert event.changes["languages"] == [["en", "fr"], ["en", "de"]]


def test_an_unchanged_contact_writes_nothing(investigator, contact):
    services.contact_update(actor=investigator, contact=contact, name=contact.name)
    assert ContactVersion.objects.filter(contact=contact).count() == 1
    assert not AuditEvent.objects.filter(action="contact.update").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("time_zone", "Europe/Atlantis"), ("languages", ["zz"]), ("email", "not-an-address")],
)
def test_it_refuses_invalid_contact_details(investigator, contact, field, value):
    with pytest.raises(DomainError) as error:
        services.contact_update(actor=investigator, contact=contact, **{field: value})
    assert error.value.errors[0].field == field
    assert Contact.objects.get(pk=contact.pk).version == 1


def test_the_24_7_contact_cannot_be_made_inactive(investigator, agency, contact):
    services.agency_update(actor=investigator, agency=agency, duty_contact=contact)
    with pytest.raises(DomainError):
        services.contact_update(actor=investigator, contact=contact, active=False)


def test_the_name_search_can_use_the_gin_index(investigator, outsider):
    from django.db import connection

    make_agency(actor=investigator, name="Example Police Service", country="FR")
    search = agencies_search(user=outsider, query="example police")
    with connection.cursor() as cursor:
        # Tiny test tables favour other plans; leave the planner only bitmap scans, which need
        # an index that matches the condition.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = search.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "agency_name_search_idx" in plan
