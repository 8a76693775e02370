"""Mail intake fuzz (issue 17, part 4): N hostile messages through `accord mail-ingest`'s
in-process path (`accord.helpdesk.mail.ingest`), then the figure line:

    mail fuzz: 500 cases, 0 tracebacks; exit 0: 61, 65: 297, 67: 142, 75: 0; raw kept 500/500

A *traceback* is any exception out of `ingest` (the command would log it and exit 75: a bug).
Every other case must end with a status of docs/email.md's table and a one-line reason, and its
raw bytes must be retrievable, byte for byte, from the `InboundMessage` the outcome names.

Run from the checkout: `python chaos/mail_fuzz.py [--cases 500] [--seed 0]`. It uses a
throwaway SQLite database in a temporary directory (or DATABASE_URL's, which must be an empty
scratch database: it is migrated and written to). docs/reliability.md, "Mail intake fuzz".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTED = frozenset({0, 65, 67, 75})


@dataclass(frozen=True)
class Result:
    status: int | None  # None: a traceback
    reason: str
    kept: bool
    problem: str = ""  # what is wrong with this case, "" when nothing


def run_case(raw: bytes) -> Result:
    """One message through the intake; what a mail server and an operator would see."""
    from accord.helpdesk import mail
    from accord.helpdesk.models import InboundMessage

    try:
        outcome = mail.ingest(raw)
    except Exception:
        return Result(None, "", False, traceback.format_exc())
    line = " ".join(outcome.reason.split())
    kept = (
        outcome.inbound_id is not None
        and bytes(InboundMessage.objects.get(pk=outcome.inbound_id).raw) == raw
    )
    problem = ""
    if outcome.status not in DOCUMENTED:
        problem = f"exit status {outcome.status} is not in docs/email.md's table"
    elif outcome.status != mail.EX_OK and not line:
        problem = "a refusal without a reason"
    elif not kept:
        problem = "the raw message is not kept"
    return Result(outcome.status, line, kept, problem)


def seed_world() -> None:
    """The fuzz world: Acme (acme.test) with a reporter, a staff agent, and ticket 1."""
    from accord.accounts.models import Role
    from accord.accounts.services import create_organisation, create_user
    from accord.catalogue.models import Module, Region
    from accord.helpdesk import services

    acme = create_organisation(
        name="Acme", slug="acme", region=Region.objects.get(code="us"), email_domains="acme.test"
    )
    rita = create_user(email="rita@acme.test", role=Role.REPORTER, organisation=acme)
    create_user(email="alex@vendor.test", role=Role.AGENT)
    services.report(
        reporter=rita,
        organisation=acme,
        new=services.NewTicket(
            module=Module.objects.order_by("position").first(),
            summary="The release page is down",
            description="",
            severity=2,
            channel="portal",
        ),
    )


def figure(results: list[Result]) -> str:
    statuses = Counter(r.status for r in results if r.status is not None)
    tracebacks = sum(r.status is None for r in results)
    by_status = ", ".join(f"{s}: {statuses.get(s, 0)}" for s in sorted(DOCUMENTED))
    kept = sum(r.kept for r in results)
    return (
        f"mail fuzz: {len(results)} cases, {tracebacks} tracebacks; exit {by_status}; "
        f"raw kept {kept}/{len(results)}"
    )


def fuzz(cases: int, seed: int | None) -> list[Result]:
    """The hand-made messages, then hypothesis's until `cases` have run."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    from chaos.mail_cases import hand_made, messages

    results = [run_case(raw) for _, raw in hand_made()][:cases]

    @settings(
        max_examples=max(1, cases - len(results)),
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(messages())
    def one(raw: bytes) -> None:
        if len(results) < cases:
            results.append(run_case(raw))

    if seed is not None:
        one = hypothesis_seed(seed)(one)
    if cases > len(results):
        one()
    return results


def _on_scratch_postgres(argv: list[str]) -> int:
    """This script again, on a PostgreSQL database of its own (chaos/common.py)."""
    import subprocess

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import POSTGRES_SERVER, postgres_scratch

    rest = [a for a in argv if a not in ("--database", "postgresql")]
    with postgres_scratch("mail") as name:
        env = {**os.environ, "DATABASE_URL": f"{POSTGRES_SERVER}/{name}"}
        return subprocess.run([sys.executable, __file__, *rest], env=env).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed (default random)")
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgresql"],
        help="postgresql: a scratch database made and dropped here (default: DATABASE_URL's, "
        "else SQLite)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.database == "postgresql":
        return _on_scratch_postgres(argv or sys.argv[1:])
    if args.database == "sqlite":
        os.environ.pop("DATABASE_URL", None)

    scratch = tempfile.TemporaryDirectory(prefix="accord-mail-fuzz-")
    os.environ.setdefault("ACCORD_DEBUG", "1")
    os.environ["ACCORD_DATA_DIR"] = scratch.name
    os.environ["ACCORD_MEDIA_ROOT"] = str(Path(scratch.name) / "media")
    os.environ["ACCORD_ATTACHMENT_MAX_BYTES"] = str(64 * 1024)
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.settings"
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from accord.work.outbox import muted

    with muted():
        seed_world()
    results = fuzz(args.cases, args.seed)
    for index, result in enumerate(results):
        if result.problem:
            print(f"case {index}: {result.problem}", file=sys.stderr)
    print(figure(results))
    if args.json:
        problems = sum(1 for r in results if r.problem)
        args.json.write_text(
            json.dumps({"figure": figure(results), "cases": len(results), "problems": problems})
        )
    scratch.cleanup()
    return 1 if any(r.problem for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
