from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from casework.cooperation import conf
from config.env import ConfigurationError
from config.required import cooperation_key_file, cooperation_sync


def test_production_that_shares_pointers_must_name_its_key_files():
    with pytest.raises(ConfigurationError, match="CASEWORK_COOP_GROUP_KEYS_FILE must name"):
        cooperation_key_file("", name="CASEWORK_COOP_GROUP_KEYS_FILE", production=True)
    assert cooperation_key_file("", name="X", production=False) == ""
    assert cooperation_key_file("/keys/g", name="X", production=True) == "/keys/g"


def test_a_group_key_file_is_read_with_the_current_key_last():
    keys = conf.parse_group_keys(
        "# rotated in March\ngroup-1 " + "A" * 44 + "\ngroup-2 " + "B" * 44 + "\n", source="f"
    )
    assert [key.key_id for key in keys] == ["group-1", "group-2"]
    with pytest.raises(ImproperlyConfigured, match="f:1: a line is"):
        conf.parse_group_keys("group-1 c2hvcnQ=\n", source="f")


def test_an_installation_without_an_issuer_does_not_share(settings):
    settings.COOP_ISSUER = ""
    with pytest.raises(ImproperlyConfigured, match="CASEWORK_COOP_ISSUER"):
        conf.issuer()


def test_a_sync_on_a_clock_needs_an_issuer_and_partner_tokens():
    cooperation_sync(minutes=0, issuer="", tokens_file="")  # off: nothing needed
    with pytest.raises(ConfigurationError, match="CASEWORK_COOP_ISSUER is not"):
        cooperation_sync(minutes=60, issuer="", tokens_file="/keys/tokens")
    with pytest.raises(ConfigurationError, match="CASEWORK_COOP_PARTNER_TOKENS_FILE is not"):
        cooperation_sync(minutes=60, issuer="north.casework.invalid", tokens_file="")
    cooperation_sync(minutes=60, issuer="north.casework.invalid", tokens_file="/keys/tokens")
