"""API fuzz (docs/reliability.md): schemathesis over the OpenAPI document Accord serves, with a
customer's token and a staff token, against a throwaway database served by gunicorn on
127.0.0.1; every operation, every phase (the document's examples, the coverage phase's
boundary values, random fuzzing, stateful sequences along the document's links).

    .venv/bin/python chaos/api_fuzz.py                   # SQLite, 100 examples an operation
    .venv/bin/python chaos/api_fuzz.py --database postgresql --max-examples 5   # chaos-quick

Figure: generated cases, server errors and conformance failures per token; 0 and 0 or exit 1.
The probe endpoints answer an agent's token only and the webhook receivers a source's token
only, so each run sends those tokens to those operations (schemathesis' per-operation headers)
and the person's token everywhere else. Revoking an API token is run last and apart: a fuzzer
that revoked its own token early would fuzz nothing but 401s after it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import BIN, Gunicorn, fresh_database
from harness import child, serve_child

SCRIPT = Path(__file__).resolve()

# The checks, and why (docs/reliability.md says the same). `positive_data_acceptance`: a
# schema-valid request gets a 2xx, a 401/403/404/409 (it names something the caller may not
# see, or in the wrong state), or a 400/422 of a business rule the schema cannot state, never
# django-ninja's own validation (`schema_valid_request_validated`, chaos/st_checks.py).
# `negative_data_rejection`: a schema-invalid one gets a 4xx.
# `ignored_auth`: the operation refuses a request without a token or with a wrong one.
# `unsupported_method`, `allow_header_conformance`: other methods get 405 with Allow.
# Left out: `use_after_free` and `ensure_resource_availability` run on their own in the
# stateful phase (they are not named here); `object_level_authorization` needs a second
# identity per run and is what tests/isolation covers; `max_response_time` (speed is bench/).
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "missing_required_header",
    "ignored_auth",
    "unsupported_method",
    "allow_header_conformance",
    "schema_valid_request_validated",  # chaos/st_checks.py
]
SERVER_ERRORS = {"ST101", "ST102"}  # schemathesis' codes for a 5xx
POSITIVE_STATUSES = ["2xx", "400", "401", "403", "404", "409", "422", "429"]
# schemathesis' list of refusals, and 413 and 414: a body or a URL over the server's limits (a
# request the schema forbids can be that long) is refused too. 5xx is not_a_server_error's.
NEGATIVE_STATUSES = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422"]
NEGATIVE_STATUSES += ["428", "429"]


def seed(args: list[str]) -> dict[str, Any]:
    """Child: the demo's organisations, people and live tickets in every state (no year of
    history: `--history` adds it), an agent location and two webhook sources; the tokens."""
    from django.utils import timezone

    from accord.accounts.models import User
    from accord.accounts.services import issue_token
    from accord.demo import data as demo_data
    from accord.incidents.alerts import create_source
    from accord.probes.services import create_location

    demo_data.seed(timezone.now(), tickets_per_customer=int(args[0]), history=args[1] == "1")
    customer = User.objects.get(email="admin@acme.example")
    staff = User.objects.get(email="manager@vendor.example")
    _, probe = create_location(name="Chaos probe", slug="chaos-probe")
    hooks = {
        kind: create_source(name=f"Chaos {kind}", kind=kind, actor=staff)[1]
        for kind in ("alertmanager", "webhook")
    }
    return {
        "customer": issue_token(user=customer, name="chaos fuzz")[1],
        "staff": issue_token(user=staff, name="chaos fuzz")[1],
        "probe": probe,
        "hooks": hooks,
    }


def config(machine: dict[str, Any]) -> str:
    """schemathesis.toml: positive data may meet Accord's business rules (400, 422: see
    chaos/st_checks.py); the machine tokens for the operations that take only those."""
    statuses = ", ".join(f'"{s}"' for s in POSITIVE_STATUSES)
    blocks = [f"[checks.positive_data_acceptance]\nexpected-statuses = [{statuses}]\n"]
    rejections = ", ".join(f'"{s}"' for s in NEGATIVE_STATUSES)
    blocks += [f"[checks.negative_data_rejection]\nexpected-statuses = [{rejections}]\n"]
    blocks += [
        f'[[operations]]\ninclude-path-regex = "^/api/probe/"\n'
        f'headers = {{ Authorization = "Bearer {machine["probe"]}" }}\n'
    ]
    for kind, token in machine["hooks"].items():
        blocks.append(
            f'[[operations]]\ninclude-path = "/api/hooks/{kind}"\n'
            f'headers = {{ Authorization = "Bearer {token}" }}\n'
        )
    return "\n".join(blocks)


def schemathesis(
    url: str, token: str, workdir: Path, name: str, options: argparse.Namespace, revoke: bool
) -> dict[str, Any]:
    """One `st run` with this token: every operation but revoking a token, or (`revoke`) that
    one alone; its JSON report and its output."""
    report = workdir / f"st-{name}.json"
    argv = [str(BIN / "st"), "--config-file", str(workdir / "schemathesis.toml")]
    argv += ["run", f"{url}/api/openapi.json", "--url", url]
    argv += ["-H", f"Authorization: Bearer {token}", "--checks", ",".join(CHECKS)]
    argv += ["--max-examples", str(options.max_examples), "--seed", str(options.seed)]
    argv += ["--workers", "1", "--request-timeout", "30", "--continue-on-failure"]
    argv += ["--max-redirects", "0", "--no-color", "--report", "json"]
    argv += ["--report-json-path", str(report), "--output-truncate", "false"]
    if options.max_time:
        argv += ["--max-time", str(options.max_time)]
    if options.phases:
        argv += ["--phases", options.phases]
    # The one DELETE is revoking a token: last, apart (see above).
    argv += ["--include-method" if revoke else "--exclude-method", "DELETE"]
    log = (options.logs or workdir) / f"st-{name}.log"
    assert url.startswith("http://127.0.0.1:"), url  # loopback only; no proxy, no redirects
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(SCHEMATHESIS_HOOKS="st_checks", PYTHONPATH=_pythonpath(), NO_PROXY="*")
    with log.open("w") as out:
        subprocess.run(
            argv, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=3600
        )
    return {"log": log.read_text(), "report": json.loads(report.read_text())}


def _pythonpath() -> str:
    return os.pathsep.join(filter(None, [str(SCRIPT.parent), os.environ.get("PYTHONPATH")]))


def run(options: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="accord-chaos-api-") as scratch:
        workdir = Path(scratch)
        with fresh_database(options.database, workdir, "api") as env:
            tokens = child(SCRIPT, "seed", env, str(options.tickets), str(int(options.history)))
            (workdir / "schemathesis.toml").write_text(config(tokens))
            server = Gunicorn(env, workdir)
            server.start()
            results = {}
            try:
                for who in options.tokens:
                    started = time.monotonic()
                    runs = [
                        schemathesis(server.url, tokens[who], workdir, name, options, revoke)
                        for name, revoke in ((who, False), (f"{who}-revoke", True))
                    ]
                    results[who] = summarise(runs, time.monotonic() - started)
            finally:
                server.stop()
    return {"database": options.database, "max_examples": options.max_examples, **results}


def summarise(runs: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """One token's figures over its runs: cases, operations, failures by kind (schemathesis
    counts a failure once per operation, check and status)."""
    failures: dict[str, int] = {}
    operations: set[str] = set()
    for run in runs:
        report = run["report"]
        for failure in report["failures"]:
            kind = f"{failure['code']} {failure['title']}"
            failures[kind] = failures.get(kind, 0) + failure["count"]
            operations.update(failure["operations"])
    server = sum(n for kind, n in failures.items() if kind.split()[0] in SERVER_ERRORS)
    reports = [r["report"] for r in runs]
    return {
        "seconds": round(seconds, 1),
        "cases": sum(r["test_cases"]["generated"] for r in reports),
        "operations_tested": sum(r["operations"]["tested"] for r in reports),
        "operations_errored": sum(r["operations"]["errored"] for r in reports),
        "errors": [e for r in reports for e in r["errors"]][:10],
        "server_errors": server,
        "conformance_failures": sum(failures.values()) - server,
        "failures": failures,
        "failing_operations": sorted(operations),
        "warnings": {k: v for r in reports for k, v in r["warnings"].items() if v},
        "complete": all(r["complete"] for r in reports),
        # the failures in schemathesis' words (the runs' output from its FAILURES on)
        "output": [_failures_text(r["log"]) for r in runs if r["report"]["failures"]],
    }


def _failures_text(log: str) -> str:
    start = log.find("= FAILURES =")
    return log[start if start >= 0 else 0 :][:30000]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return serve_child(argv[1:], {"seed": seed})
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument(
        "--max-time", type=int, default=0, help="a budget per run that schemathesis fills"
    )
    parser.add_argument("--phases", default="", help="schemathesis phases (default: all)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--tickets", type=int, default=4, help="demo tickets per customer")
    parser.add_argument("--history", action="store_true", help="also the demo's year of history")
    parser.add_argument(
        "--tokens", nargs="+", choices=["customer", "staff"], default=["customer", "staff"]
    )
    parser.add_argument("--logs", type=Path, help="keep schemathesis' output here")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures = run(args)
    text = json.dumps(figures, indent=2)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    bad = False
    parts = []
    for who in args.tokens:
        f = figures[who]
        for part in f["output"]:
            print(part, file=sys.stderr)
        bad |= f["server_errors"] > 0 or f["conformance_failures"] > 0
        bad |= f["operations_errored"] > 0 or not f["complete"]
        parts.append(
            f"{who} token: {f['cases']} cases over {f['operations_tested']} operations, "
            f"{f['server_errors']} server errors, {f['conformance_failures']} conformance failures"
        )
    print(f"API fuzz ({args.database}, {args.max_examples} examples): " + "; ".join(parts))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
