"""Two parties in one process: ``we`` (this installation, its keys in settings) and a partner
whose signed sets the tests write with the partner's own key, as its installation would."""

from __future__ import annotations

import base64
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework.cooperation import conf, services
from casework.cooperation import pointer_format as fmt
from casework.cooperation.models import SharingUnit
from casework.partners import key_services
from casework.partners.models import Agency
from tests.cases.factories import make_case

GROUP_SECRET = b"g" * 32


@pytest.fixture(autouse=True)
def cooperation_keys(settings, tmp_path):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "our-key.pem"
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    group = tmp_path / "group-keys"
    group.write_text(f"group-1 {base64.b64encode(GROUP_SECRET).decode()}\n")
    settings.COOP_SIGNING_KEY_FILE = str(path)
    settings.COOP_GROUP_KEYS_FILE = str(group)
    settings.COOP_ISSUER = "north.casework.invalid"
    settings.COOP_AGENCY = "Synthetic Police North"
    return key


@dataclass
class Partner:
    key: Ed25519PrivateKey
    installation: object
    issuer: str = "partner.casework.invalid"

    def set_bytes(
        self,
        values: list[tuple[str, str]],
        *,
        key: Ed25519PrivateKey | None = None,
        group_key_id: str = "group-1",
        handles: list[uuid.UUID] | None = None,
    ) -> bytes:
        """A signed set holding these (kind, normal value) pairs, as the partner would send."""
        key = key or self.key
        out = io.BytesIO()
        writer = fmt.SetWriter(out, key)
        writer.header(
            fmt.Header(
                issuer=self.issuer,
                key_id=conf.signing_key_id(key),
                fingerprint_key_id=group_key_id,
                created=datetime(2026, 3, 1, tzinfo=UTC),
                contacts=1,
                count=len(values),
            )
        )
        writer.contact(
            fmt.Contact(
                ref="c1",
                agency="Synthetic Police Partner",
                unit="Partner Unit",
                name="Duty Officer 0042",
                email="duty.0042@partner.invalid",
                phone="+44 20 7946 0042",
            )
        )
        for index, (kind, value) in enumerate(values):
            handle = handles[index] if handles else uuid.uuid4()
            writer.pointer(services.fingerprint(GROUP_SECRET, kind, value), handle, "c1")
        writer.finish()
        return out.getvalue()


@pytest.fixture
def partner(administrator) -> Partner:
    key = Ed25519PrivateKey.generate()
    agency = Agency.objects.create(name="Synthetic Police Partner", country="IE", kind="police")
    key_services.partner_installation_register(
        actor=administrator,
        agency=agency,
        issuer="partner.casework.invalid",
        public_key=conf.public_key_base64(key),
    )
    return Partner(key=key, installation=agency.installation)


@pytest.fixture
def sharing_north(north):
    return SharingUnit.objects.create(
        unit=north, contact_name="North Desk", contact_email="desk@north.invalid"
    )


@pytest.fixture
def shared_case(investigator, teammate, sharing_north):
    return make_case(lead=investigator, assignees=[teammate], title="Synthetic case north")
