"""``python -m bench --scale small``: generate the benchmark database, measure, report.

Steps: (1) recreate and migrate ``casework_bench`` next to the application database, (2) fill it
at the chosen scale with COPY (``bench.generate``), (3) run every scenario (``bench.scenarios``)
against it through the application's own selectors, services and views, (4) print a table and
write ``bench/results/latest.json``. ``--reuse`` skips (1) and (2) when the database is there.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path


def parse(argv: list[str]) -> argparse.Namespace:
    from bench.scales import SCALES

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument(
        "--years",
        type=int,
        default=1,
        help="years of history: data volumes and their time span times this (issue 26)",
    )
    parser.add_argument("--database", default="casework_bench", help="benchmark database name")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the existing benchmark database as it is"
    )
    parser.add_argument("--generate-only", action="store_true", help="load data, measure nothing")
    parser.add_argument(
        "--only", default="", help="comma-separated scenario name prefixes (e.g. pages,audit)"
    )
    parser.add_argument("--samples", type=int, help="requests per page (default: by scale)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--load-seconds",
        type=float,
        help="web.load: seconds per gunicorn configuration (default 20; 2 at tiny scale)",
    )
    parser.add_argument(
        "--load-clients", type=int, default=4, help="web.load: concurrent signed-in clients"
    )
    parser.add_argument(
        "--check-references",
        action="store_true",
        help="keep row triggers (foreign-key checks) on while loading: slower",
    )
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).resolve().parent / "results" / "latest.json"
    )
    parser.add_argument("--drop", action="store_true", help="drop the benchmark database after")
    parser.add_argument(
        "--template", default="", help="create the database as a copy of this migrated, idle one"
    )
    return parser.parse_args(argv)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    # The test client's host name, and mail kept in memory: reminders sent while measuring
    # must not reach anyone.
    setup_test_environment()
    # But templates render as in production: the test environment's instrumented renderer
    # sends a signal on every template and include, and the test client copies the whole
    # context each time (for ``response.context``), which no served page pays.
    from django.template import Template
    from django.test.utils import _TestState

    Template._render = _TestState.saved_data.template_render
    # Tasks queued by the services under test stay in this process: the shared broker's
    # workers serve the application database, where these ids do not exist.
    from config.celery import app

    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {}


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    setup_django()
    from bench import database, report
    from bench.generate import generate
    from bench.scales import SCALES
    from bench.scenarios import REGISTRY, Run, run_scenario

    scale = SCALES[args.scale].over_years(args.years)
    isolate_audit_files(args.database)
    started_at = datetime.now(UTC)
    say = print
    generation = None
    try:
        if args.reuse and database.exists(args.database):
            database.use(args.database)
            say(f"Reusing database {args.database}.")
        else:
            say(f"Creating database {args.database} and migrating it ...")
            started = time.perf_counter()
            database.recreate(args.database, template=args.template)
            database.use(args.database)
            database.migrate()
            say(f"  migrated in {time.perf_counter() - started:.1f} s")
            triggers_off = database.tune_session(check_references=args.check_references)
            say(
                f"Generating {scale.name} scale"
                + (" (triggers off while loading)" if triggers_off else "")
                + " ..."
            )
            started = time.perf_counter()
            cpu_before = database.cpu_seconds()
            ctx = generate(scale, seed=args.seed, say=say)
            total = time.perf_counter() - started
            python_cpu, postgres_cpu = (
                after - before
                for after, before in zip(database.cpu_seconds(), cpu_before, strict=True)
            )
            database.restore_session()
            say(
                f"  generated in {total:.1f} s (CPU: generator {python_cpu:.1f} s, "
                f"PostgreSQL backend {postgres_cpu:.1f} s)"
            )
            generation = [
                *ctx.loaded,
                {
                    "table": "total",
                    "seconds": round(total, 1),
                    # CPU work, whatever else the machine was doing: on an idle machine the
                    # load takes between max(generator, backend) and their sum.
                    "python_cpu_seconds": round(python_cpu, 1),
                    "postgres_cpu_seconds": round(postgres_cpu, 1),
                },
            ]
            for entry in ctx.loaded:
                if entry.get("seconds"):
                    say(
                        f"    {entry['table']:<40} {entry['rows']:>12,} rows "
                        f"{entry['seconds']:8.1f} s {entry['rows_per_second'] or 0:>10,} rows/s"
                    )
        if args.generate_only:
            report.write(
                args.output,
                scale=scale.name,
                results=[],
                generation=generation,
                started=started_at,
            )
            return 0

        run = Run(
            scale=scale,
            personas=personas(),
            samples=args.samples or scale.samples,
            say=say,
            load_seconds=args.load_seconds,
            load_clients=args.load_clients,
        )
        prefixes = [p.strip() for p in args.only.split(",") if p.strip()]
        results = []
        say("Measuring ...")
        for entry in REGISTRY:
            if prefixes and not any(entry.name.startswith(p) for p in prefixes):
                continue
            started = time.perf_counter()
            measured = run_scenario(entry, run)
            results.extend(measured)
            say(f"  {entry.name:<28} {time.perf_counter() - started:6.1f} s")
            say(report.table(measured))
            report.write(
                args.output,
                scale=scale.name,
                results=results,
                generation=generation,
                started=started_at,
                complete=False,
            )
        say("")
        say(f"Casework benchmark, {scale.name} scale, {started_at:%Y-%m-%d %H:%M} UTC")
        say(report.table(results))
        report.write(
            args.output,
            scale=scale.name,
            results=results,
            generation=generation,
            started=started_at,
        )
        say(f"\nWrote {args.output}")
        return 0
    finally:
        if args.drop:
            database.drop(args.database)


def isolate_audit_files(name: str) -> None:
    """Checkpoints and the signing key of the benchmark's ledger live apart from the
    application's (var/bench/<database>/), so a run can never overwrite a real checkpoint."""
    import shutil

    from django.conf import settings

    directory = Path(settings.BASE_DIR) / "var" / "bench" / name
    shutil.rmtree(directory / "checkpoints", ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    settings.AUDIT_CHECKPOINT_DIR = str(directory / "checkpoints")
    settings.AUDIT_SIGNING_KEY_FILE = str(directory / "signing-key.pem")
    settings.AUDIT_LOG_ORIGIN = f"casework.invalid/{name}"


def personas() -> dict:
    """The first unit's first investigator and supervisor, an auditor and an administrator."""
    from casework.accounts.models import User

    found = {}
    for role, prefix in (
        ("investigator", "inv.u"),
        ("supervisor", "sup.u"),
        ("auditor", "auditor.bench"),
        ("administrator", "admin.bench"),
    ):
        user = User.objects.filter(username__startswith=prefix).select_related("unit")
        found[role] = user.order_by("id").first()
        if found[role] is None:
            raise SystemExit(f"No {role} in the benchmark database: run without --reuse.")
    return found


if __name__ == "__main__":
    sys.exit(main())
