"""The pointer-set parser against hostile files: whatever the bytes, it refuses with a located
error (``PointerSetError``) or accepts a set that is intact; it never raises anything else, and
a refused set stores nothing."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.cooperation import services
from casework.cooperation.models import PartnerPointer, PointerExchange
from casework.cooperation.pointer_format import PointerSetError, read, verify

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def _parse_only(data: bytes, key) -> None:
    stream = io.BytesIO(data)
    header, _ = verify(stream, lambda header: key)
    stream.seek(0)
    list(read(stream, header))


@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_are_refused_with_a_location(data, partner):
    with pytest.raises(PointerSetError) as error:
        _parse_only(data, partner.key.public_key())
    assert error.value.line >= 1 and error.value.field_name


@FUZZ
@given(position=st.integers(min_value=0), byte=st.integers(min_value=0, max_value=255))
def test_any_altered_byte_is_refused(position, byte, partner):
    data = bytearray(partner.set_bytes([("email", "a@example.com"), ("ip_address", "192.0.2.1")]))
    position %= len(data)
    if data[position] == byte:
        return
    data[position] = byte
    with pytest.raises(PointerSetError):
        _parse_only(bytes(data), partner.key.public_key())


@FUZZ
@given(
    line=st.sampled_from([0, 1, 2]),
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
)
def test_a_signed_but_malformed_line_is_refused_at_its_line(line, text, partner, supervisor):
    """A partner's own bug (signed garbage) is refused at the line, and nothing is stored."""
    good = partner.set_bytes([("email", "a@example.com")]).split(b"\n")
    lines = good[:3]
    lines[line] = text.replace("\n", " ").encode("utf-8", "surrogatepass")
    from casework.cooperation import pointer_format as fmt

    body = b"".join(item + b"\n" for item in lines)
    out = io.BytesIO()
    writer = fmt.SetWriter(out, partner.key)
    writer.line(body)
    writer.finish()
    try:
        services.pointers_import(actor=supervisor, source=io.BytesIO(out.getvalue()))
    except PointerSetError as error:
        assert error.line >= 1
        assert not PartnerPointer.objects.exists()
        assert not PointerExchange.objects.exists()
    except UnicodeEncodeError:
        pass


def test_the_command_line_names_file_line_and_field(tmp_path, partner, supervisor, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    data = partner.set_bytes([("email", "a@example.com")]).split(b"\n")
    data[2] = data[2].replace(b'"c1"', b'"c9"')
    path = tmp_path / "set.jsonl"
    path.write_bytes(b"\n".join(data))
    with pytest.raises(CommandError) as error:
        call_command("pointers_import", str(path))
    assert str(error.value).startswith(f"{path}:4: digest: The file was altered")


def test_the_commands_export_and_import(tmp_path, partner, shared_case, investigator):
    from django.core.management import call_command

    from casework.cases.services import case_identifier_add

    case_identifier_add(actor=investigator, case=shared_case, kind="email", raw="a@example.com")
    out = tmp_path / "ours.jsonl"
    call_command("pointers_export", str(out))
    assert out.read_bytes().count(b"\n") == 4
    theirs = tmp_path / "theirs.jsonl"
    theirs.write_bytes(partner.set_bytes([("email", "a@example.com")]))
    call_command("pointers_import", str(theirs))
    assert PointerExchange.objects.count() == 2
