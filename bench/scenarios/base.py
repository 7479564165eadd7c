"""What a scenario is, what it reports, and the helpers they share.

A scenario is a function registered with ``@scenario(name, issue=...)`` that takes the ``Run``
and returns ``Result``s. When the part of the application it measures does not exist yet it
raises ``NotBuilt`` with what is missing; the harness reports that as status ``not-built``, so a
figure is never skipped silently. Anything else it raises is reported as ``error`` and the run
goes on.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from bench.scales import Scale

OK, OVER, NOT_BUILT, ERROR = "ok", "over-target", "not-built", "error"

# List pages people open every day (their deadlines, the unit board, the audit searches).
DAILY_PAGE_MS = 100
DAILY_PAGE_SOURCE = "issues 16, 26"


class NotBuilt(Exception):
    """The measured part of the application does not exist yet."""


@dataclass
class Target:
    """A figure to meet: ``value`` in the result's unit, ``below`` (lower is better) or not."""

    value: float
    source: str  # "issue 3", or "harness budget" where no issue names a number
    below: bool = True

    def met(self, measured: float) -> bool:
        return measured < self.value if self.below else measured >= self.value

    def text(self, unit: str = "") -> str:
        sign = "<" if self.below else ">="
        unit = unit.replace(" p95", "")
        return f"{sign} {_number(self.value)} {unit} ({self.source})".replace("  ", " ")


@dataclass
class Result:
    scenario: str
    label: str
    unit: str = ""
    value: float | None = None
    target: Target | None = None
    baseline: float | None = None
    baseline_label: str = ""
    persona: str = ""
    status: str = OK
    details: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def judge(self) -> Result:
        if self.status == OK and self.value is not None and self.target is not None:
            self.status = OK if self.target.met(self.value) else OVER
        return self

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["target"] = (
            {"value": self.target.value, "source": self.target.source, "below": self.target.below}
            if self.target
            else None
        )
        return data


@dataclass
class Run:
    """What scenarios get: the scale and the signed-in personas of the benchmark data."""

    scale: Scale
    personas: dict[str, Any]
    samples: int
    say: Callable[[str], None] = print
    # The web-tier load scenario: seconds per configuration (None: by scale) and clients.
    load_seconds: float | None = None
    load_clients: int = 4

    def client_for(self, role: str) -> Client:
        return signed_in_client(self.personas[role])


@dataclass
class Scenario:
    name: str
    issue: str
    function: Callable[[Run], list[Result]]


REGISTRY: list[Scenario] = []


def scenario(name: str, *, issue: str) -> Callable:
    def register(function: Callable[[Run], list[Result]]) -> Callable[[Run], list[Result]]:
        REGISTRY.append(Scenario(name, issue, function))
        return function

    return register


def run_scenario(entry: Scenario, run: Run) -> list[Result]:
    try:
        results = entry.function(run)
    except NotBuilt as missing:
        return [Result(entry.name, entry.name, status=NOT_BUILT, note=str(missing))]
    except Exception as error:  # a broken scenario must not hide the others' figures
        print(f"  {entry.name}: {type(error).__name__}: {error}", file=sys.stderr)
        return [
            Result(entry.name, entry.name, status=ERROR, note=f"{type(error).__name__}: {error}")
        ]
    return [result.judge() for result in results]


# --- helpers ---------------------------------------------------------------------------------


def signed_in_client(user) -> Client:
    """A client signed in as ``user`` with two-factor satisfied, as ``tests/conftest.py`` does."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def url_or_not_built(*candidates: tuple[str, dict[str, Any]]) -> str:
    """The first URL name that resolves, else ``NotBuilt`` naming them all."""
    for name, kwargs in candidates:
        try:
            return reverse(name, kwargs=kwargs or None)
        except NoReverseMatch:
            continue
    raise NotBuilt("no URL named " + " or ".join(name for name, _ in candidates))


def import_or_not_built(module: str, *names: str) -> Any:
    """``module.<first of names that exists>``, else ``NotBuilt``."""
    import importlib

    try:
        loaded = importlib.import_module(module)
    except ImportError:
        raise NotBuilt(f"{module} does not exist yet") from None
    for name in names:
        if hasattr(loaded, name):
            return getattr(loaded, name)
    raise NotBuilt(f"{module} has no {' or '.join(names)} yet")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(share * 100) - 1]


def timed(function: Callable[[], Any], samples: int, *, warmup: int = 2) -> list[float]:
    """Milliseconds per call of ``function``, after ``warmup`` unmeasured calls."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def query_count(function: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


def page(
    run: Run,
    *,
    name: str,
    label: str,
    role: str,
    url: str,
    target_ms: float,
    target_source: str,
    baseline: Callable[[], Any] | None = None,
    baseline_label: str = "",
) -> Result:
    """p95 (and p50) of GET ``url`` as ``role``, the queries it ran, and a baseline query."""
    client = run.client_for(role)
    response = client.get(url)
    if response.status_code != 200:
        return Result(
            name,
            label,
            persona=role,
            status=ERROR,
            note=f"GET {url} answered {response.status_code} for the {role}",
        )
    times = timed(lambda: client.get(url), run.samples)
    queries = query_count(lambda: client.get(url))
    result = Result(
        name,
        label,
        unit="ms p95",
        value=percentile(times, 0.95),
        target=Target(target_ms, target_source),
        persona=role,
        details={
            "url": url,
            "p50_ms": round(percentile(times, 0.50), 2),
            "p95_ms": round(percentile(times, 0.95), 2),
            "queries": queries,
            "samples": len(times),
        },
    )
    if baseline is not None:
        result.baseline = percentile(timed(baseline, run.samples), 0.95)
        result.baseline_label = baseline_label
    return result


@contextlib.contextmanager
def audit_disabled() -> Iterator[None]:
    """No audit at all, for the baseline writes: ``audit_record`` replaced by a no-op wherever
    it was imported, and the ledger's change-capture triggers disabled on every table (this is
    the benchmark's own database; the triggers are enabled again on the way out)."""
    from casework.audit import services

    original = services.audit_record

    def skip(**kwargs: Any) -> None:
        return None

    patched = []
    for module in list(sys.modules.values()):
        if getattr(module, "audit_record", None) is original:
            module.audit_record = skip
            patched.append(module)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgrelid::regclass::text, t.tgname FROM pg_trigger AS t"
            " JOIN pg_proc AS p ON p.oid = t.tgfoid"
            " WHERE NOT t.tgisinternal AND p.proname LIKE 'audit\\_capture\\_%'"
        )
        triggers = cursor.fetchall()
        for table, name in triggers:
            cursor.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')
    try:
        yield
    finally:
        for module in patched:
            module.audit_record = original
        with connection.cursor() as cursor:
            for table, name in triggers:
                cursor.execute(f'ALTER TABLE {table} ENABLE TRIGGER "{name}"')


def _number(value: float) -> str:
    if value >= 1000 and float(value).is_integer():
        return f"{int(value):,}"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


number = _number
