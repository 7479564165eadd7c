"""The machinery of the no-leak walk (``tests/test_no_leak_everywhere.py``): every route of the
project's URL map, its address built from values the test chooses, each answer read whole, and
an answer about a real record compared with the answer about one that does not exist (its
*twin*): when the two are the same once the names are swapped, the answer says nothing about
the record, not even that it exists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

_PARAMETER = re.compile(r"<(?:[^>:]+:)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route's text when it has no name
    text: str  # the whole route, prefixes included: "cases/<str:number>/"
    params: tuple[str, ...]
    regex: bool  # a part is a regular expression (``re_path``), not a ``path()``

    @property
    def is_api(self) -> bool:
        return self.text.startswith("api/")

    def path(self, values: dict) -> str:
        """The address with each parameter replaced by ``values[name]``."""
        if self.regex:
            raise ValueError(f"{self.key}: a regular expression route needs a literal address")
        return "/" + _PARAMETER.sub(lambda match: str(values[match["name"]]), self.text)


def _names(pattern) -> list[str]:
    if isinstance(pattern, RegexPattern):
        return list(pattern.regex.groupindex)
    return list(getattr(pattern, "converters", {}))


def project_routes() -> list[Route]:
    """Every route ``django.urls.get_resolver()`` knows, includes followed, in order."""
    found: list[Route] = []

    def walk(resolver, chain: tuple, namespaces: tuple) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespaces + ((entry.namespace,) if entry.namespace else ())
                walk(entry, (*chain, entry.pattern), inner)
                continue
            patterns = (*chain, entry.pattern)
            text = "".join(str(pattern) for pattern in patterns)
            key = ":".join((*namespaces, entry.name)) if entry.name else text
            found.append(
                Route(
                    key=key,
                    text=text,
                    params=tuple(name for pattern in patterns for name in _names(pattern)),
                    regex=any(isinstance(pattern, RegexPattern) for pattern in patterns),
                )
            )

    walk(get_resolver(), (), ())
    return found


def body_of(response) -> str:
    """What the answer says: its redirect target and its whole body, streamed or not."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return f"{response.get('Location', '')}\n{content.decode(errors='replace')}"


# What changes from one rendering to the next whatever the data: masked CSRF tokens and hashes
# (64 letters and digits), times of day and "(2 minutes ago)", and the messages an earlier
# request of the session left (read for secrets all the same: only the comparisons skip them).
_VOLATILE = (
    (
        re.compile(r'<div class="cw-messages" role="status">.*?</p></div>\s*</div>\s*</div>', re.S),
        "",
    ),
    (re.compile(r"[A-Za-z0-9_-]{43,}"), "<token>"),
    (
        re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"),
        "<t>",
    ),
    (re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b"), "<t>"),
    (re.compile(r"\((?:in )?\d+\s(?:second|minute)s?(?:\sago)?\)"), "(<ago>)"),
    (re.compile(r"\s+"), " "),
)


def normalised(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def swapped(text: str, swaps: dict[str, str]) -> str:
    """``text`` with each real name replaced by its twin's (URL-quoted forms too, as a
    ``?next=`` parameter carries them); longest first, so a path goes before a number in it."""
    for real in sorted(swaps, key=len, reverse=True):
        twin = swaps[real]
        for form, twin_form in (
            (real, twin),
            (quote(real, safe=""), quote(twin, safe="")),
            (quote(real), quote(twin)),
            (quote_plus(real), quote_plus(twin)),
        ):
            text = text.replace(form, twin_form)
    return text


def difference(one: str, other: str, width: int = 160) -> str:
    """Where two texts first part, for a failure message."""
    at = next((i for i, (a, b) in enumerate(zip(one, other, strict=False)) if a != b), None)
    if at is None:
        at = min(len(one), len(other))
    start = max(0, at - width // 2)
    return f"\n  real: …{one[start : at + width]!r}\n  twin: …{other[start : at + width]!r}"
