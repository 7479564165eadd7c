"""The manifest reader, fuzzed: whatever bytes arrive, it answers counts or a located refusal,
never another exception, and never accepts an entry that carries a payload field."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.hashsets.manifest import ManifestRefused, read_manifest
from tests.hashsets.factories import vics_entry

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _answers(raw: bytes):
    try:
        return read_manifest(raw)
    except ManifestRefused as refused:
        assert refused.problems
        for problem in refused.problems:
            assert problem.line >= 1 and problem.field and problem.message
        return None


@FUZZ
@given(st.binary(max_size=400))
def test_any_bytes_are_counted_or_refused_with_a_location(raw):
    _answers(raw)


@FUZZ
@given(json_values)
def test_any_json_document_is_counted_or_refused_with_a_location(document):
    _answers(json.dumps(document, indent=1).encode())


@FUZZ
@given(
    st.lists(st.dictionaries(st.text(max_size=12), json_values, max_size=5), max_size=6),
    st.sampled_from(["Thumbnail", "thumbnail", "MediaData", "Base64Image", "media"]),
    st.integers(min_value=0, max_value=5),
)
def test_an_entry_with_a_payload_field_anywhere_is_never_accepted(extra, payload_key, position):
    entries = [{**vics_entry(n), **fields} for n, fields in enumerate(extra)]
    entries.insert(min(position, len(entries)), vics_entry(99, **{payload_key: "AAAA"}))
    assert _answers(json.dumps({"value": entries}, indent=2).encode()) is None
