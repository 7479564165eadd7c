"""Reading a VICS (Project VIC) JSON manifest for its counts by category, and nothing else.

Threat: a VICS export can carry the media itself or thumbnails (base64 in the JSON), and always
carries one hash per file. Casework must never hold media, and needs no individual hash: it keeps
the number of entries per category and the SHA-256 digest of the manifest file (so the copy in
the evidence store can be shown to be the one counted). A file that carries any media,
thumbnail or base64 payload, a malformed hash, or that is not JSON is refused whole: nothing
of it is stored, and the error says where (line and field) so the sender can fix the export.

The format (OData JSON, VICS 1.x and 2.0): a top-level object whose ``value`` is a list of
media entries, each with ``Category`` (a small integer; absent or null when not categorised),
``MD5`` and/or ``SHA1`` (hex, usually upper case), and other metadata fields. Field names are
matched without regard to case. The file is read in one piece up to ``MAX_BYTES``, a bound on
memory that a manifest of a few million entries stays under; larger sets are split by the
sender.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from json.decoder import JSONObject
from json.scanner import py_make_scanner

from .models import CATEGORY_MAX

MAX_BYTES = 64 * 1024 * 1024
# At most this many problems are listed: the sender fixes the export and sends it again.
MAX_PROBLEMS = 20
UNCATEGORISED = "uncategorised"

_HASH_FIELDS = {"md5": 32, "sha1": 40, "sha256": 64}
_HEX = re.compile(r"^[0-9a-fA-F]+$")
# Field names that hold media or an image of it, whatever the exporting tool calls them.
_PAYLOAD_NAMES = frozenset(
    {
        "media",
        "mediadata",
        "mediacontent",
        "mediabytes",
        "image",
        "imagedata",
        "imagebytes",
        "data",
        "content",
        "bytes",
        "blob",
        "payload",
        "filedata",
        "filecontent",
        "preview",
    }
)
_PAYLOAD_PARTS = ("thumbnail", "thumb", "base64", "b64")
# A string this long in a metadata field is a payload under an innocent name.
_LONG_STRING = 4096
_DATA_URI = re.compile(r"^\s*data:", re.IGNORECASE)


@dataclass(frozen=True)
class ManifestProblem:
    line: int
    field: str
    message: str


@dataclass
class ManifestCounts:
    """What Casework keeps of a manifest."""

    sha256: str
    counts: dict[str, int]
    algorithms: list[str]
    size_bytes: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class ManifestRefused(Exception):
    """The whole manifest is refused; ``problems`` say where and why."""

    problems: list[ManifestProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"line {p.line}: {p.field}: {p.message}" for p in self.problems)


# A problem found while counting: (entry index or None for the top level, field path, message,
# the entry's key to locate it by or None).
_Problem = tuple[int | None, str, str, str | None]


def _is_payload_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in _PAYLOAD_NAMES or any(part in lowered for part in _PAYLOAD_PARTS)


def _category(value) -> str | None:
    """The category code as stored, or None when the value is not a category."""
    if value is None:
        return UNCATEGORISED
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value <= CATEGORY_MAX:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit() and int(value) <= CATEGORY_MAX:
        return str(int(value))
    return None


def _payload_problems(node, path: str, found: list[tuple[str, str]]) -> None:
    """Every media/thumbnail/base64 field under ``node`` (path, message), depth first."""
    if len(found) >= MAX_PROBLEMS:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}"
            if _is_payload_name(str(key)):
                found.append((child, "media, thumbnails and base64 payloads are not accepted."))
                continue
            _payload_problems(value, child, found)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _payload_problems(value, f"{path}[{index}]", found)
    elif isinstance(node, str) and (_DATA_URI.match(node) or len(node) > _LONG_STRING):
        found.append((path, "a long encoded value looks like a media payload; not accepted."))


class _Located(dict):
    """A JSON object that remembers where in the text it started."""

    position = 0


def _locating_loads(text: str):
    """``json.loads`` whose objects know their offset (pure-Python scanner: only used to locate
    the problems of a file already found wrong, never on the accepted path)."""
    decoder = json.JSONDecoder()

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):
        start = s_and_end[1] - 1
        value, end = JSONObject(s_and_end, strict, scan_once, None, None, memo)
        located = _Located(value)
        located.position = start
        return located, end

    decoder.parse_object = parse_object
    decoder.scan_once = py_make_scanner(decoder)
    return decoder.decode(text)


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _key_line(text: str, entry, key: str) -> int:
    start = getattr(entry, "position", 0)
    at = text.find(json.dumps(key), start)
    return _line_of(text, at if at >= 0 else start)


def _refuse_at(text: str, problems: list[_Problem]):
    """Raise with each (entry index, field path, message, key) located in the text."""
    try:
        document = _locating_loads(text)
    except RecursionError:  # nested deeper than the pure-Python scanner goes: lines unknown
        document = {}
    entries = document.get("value", []) if isinstance(document, dict) else []
    located = []
    for index, path, message, key in problems:
        if index is None or index >= len(entries):
            line = 1
        elif key is not None:
            line = _key_line(text, entries[index], key)
        else:
            line = _line_of(text, getattr(entries[index], "position", 0))
        located.append(ManifestProblem(line=line, field=path, message=message))
    raise ManifestRefused(located)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def read_manifest(raw: bytes) -> ManifestCounts:
    """The counts by category and digest of a VICS manifest, or ``ManifestRefused``."""
    text, document = _parse(raw)
    top_payload: list[tuple[str, str]] = []
    _payload_problems({k: v for k, v in document.items() if k != "value"}, "", top_payload)
    problems: list[_Problem] = [
        (None, path.lstrip("."), message, None) for path, message in top_payload
    ]
    counts: dict[str, int] = {}
    algorithms: set[str] = set()
    for index, entry in enumerate(document["value"]):
        if len(problems) >= MAX_PROBLEMS:
            break
        category = _entry_category(index, entry, problems, algorithms)
        if category is not None:
            counts[category] = counts.get(category, 0) + 1
    if problems:
        _refuse_at(text, problems[:MAX_PROBLEMS])
    if not counts:
        raise ManifestRefused([ManifestProblem(1, "value", "the manifest lists no media entries.")])
    return ManifestCounts(
        sha256=hashlib.sha256(raw).hexdigest(),
        counts=dict(sorted(counts.items(), key=lambda item: _category_order(item[0]))),
        algorithms=sorted(algorithms),
        size_bytes=len(raw),
    )


def _parse(raw: bytes) -> tuple[str, dict]:
    """The manifest's text and its JSON document, an object with a ``value`` list."""
    if len(raw) > MAX_BYTES:
        raise ManifestRefused(
            [
                ManifestProblem(
                    1,
                    "manifest",
                    f"the file is {len(raw):,} bytes; at most {MAX_BYTES:,} are accepted "
                    "(split the set into several manifests).",
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ManifestRefused(
            [ManifestProblem(line, "manifest", "not JSON: the file is not UTF-8 text.")]
        ) from error
    if "\x00" in text:
        line = _line_of(text, text.index("\x00"))
        raise ManifestRefused([ManifestProblem(line, "manifest", "not JSON: a NUL character.")])
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise ManifestRefused(
            [ManifestProblem(error.lineno, "manifest", f"not JSON: {error.msg.lower()}.")]
        ) from error
    except (ValueError, RecursionError) as error:
        raise ManifestRefused([ManifestProblem(1, "manifest", f"not JSON: {error}.")]) from error
    if not isinstance(document, dict) or not isinstance(document.get("value"), list):
        raise ManifestRefused(
            [
                ManifestProblem(
                    1, "value", "a VICS manifest is an object with a 'value' list of media entries."
                )
            ]
        )
    return text, document


def _entry_category(
    index: int, entry, problems: list[_Problem], algorithms: set[str]
) -> str | None:
    """The category one media entry counts under, or None (its problems added to ``problems``,
    the hash algorithms it carries to ``algorithms``)."""
    path = f"value[{index}]"
    if not isinstance(entry, dict):
        problems.append((index, path, "each media entry is an object.", None))
        return None
    found: list[tuple[str, str]] = []
    _payload_problems(entry, path, found)
    for child, message in found:
        key = child[len(path) + 1 :].split(".", 1)[0].split("[", 1)[0]
        problems.append((index, child, message, key or None))
    fields = {str(key).lower(): (key, value) for key, value in entry.items()}
    hashed = _entry_hashes(index, path, fields, problems, algorithms)
    if not hashed and not any(f"{path}." in p[1] for p in problems if p[0] == index):
        problems.append((index, path, "the entry has no MD5 or SHA-1 hash.", None))
    key, raw_category = fields.get("category", ("Category", None))
    category = _category(raw_category)
    if category is None:
        problems.append(
            (
                index,
                f"{path}.{key}",
                f"a category is a whole number from 0 to {CATEGORY_MAX}.",
                key,
            )
        )
    return category


def _entry_hashes(
    index: int, path: str, fields: dict, problems: list[_Problem], algorithms: set[str]
) -> bool:
    """Whether the entry carries at least one well-formed hash (malformed ones are problems)."""
    hashed = False
    for name, length in _HASH_FIELDS.items():
        if name not in fields:
            continue
        key, value = fields[name]
        if value in (None, ""):
            continue
        if not isinstance(value, str) or len(value) != length or not _HEX.match(value):
            problems.append(
                (
                    index,
                    f"{path}.{key}",
                    f"a {name.upper()} hash is {length} hexadecimal characters.",
                    key,
                )
            )
            continue
        hashed = True
        algorithms.add(name)
    return hashed


def _category_order(code: str) -> tuple[int, int]:
    return (1, 0) if code == UNCATEGORISED else (0, int(code))
