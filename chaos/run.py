"""The reliability suite (docs/reliability.md): each part in a process of its own, on SQLite and
on PostgreSQL, each printing its figure; exit status 1 if any part's figure is wrong.

    .venv/bin/python chaos/run.py            # `make chaos`: the full sizes, a few minutes a part
    .venv/bin/python chaos/run.py --quick    # what .ci/run runs: the same parts, smaller
    .venv/bin/python chaos/run.py --parts intake worker --databases sqlite

Figures go to var/chaos.json (var/chaos-quick.json for --quick).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent

# Each part: its script and its arguments, full and --quick. A part runs once per database
# unless it takes no --database (then once).
PARTS: dict[str, tuple[str, list[str], list[str]]] = {
    "intake": (
        "intake.py",
        ["--requests", "1000", "--kills", "3"],
        ["--requests", "200", "--kills", "1"],
    ),
    "worker": ("worker.py", ["--tickets", "40"], ["--tickets", "8", "--scale", "0.3"]),
    "api": ("api_fuzz.py", ["--max-examples", "30"], ["--max-examples", "5"]),
    "mail": ("mail_fuzz.py", ["--cases", "3000"], ["--cases", "500"]),
    "soak": ("soak.py", ["--seconds", "600"], ["--seconds", "60"]),
}
DATABASES = ("sqlite", "postgresql")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--parts", nargs="+", choices=list(PARTS), default=list(PARTS))
    parser.add_argument("--databases", nargs="+", choices=DATABASES, default=list(DATABASES))
    args = parser.parse_args(argv)
    results, failed = [], []
    with tempfile.TemporaryDirectory(prefix="accord-chaos-") as scratch:
        for part in args.parts:
            script, full, quick = PARTS[part]
            for database in args.databases:
                out = Path(scratch) / f"{part}-{database}.json"
                argv_part = [sys.executable, str(HERE / script), "--database", database]
                argv_part += [*(quick if args.quick else full), "--json", str(out)]
                print(f"== chaos {part} on {database}", flush=True)
                started = time.monotonic()
                done = subprocess.run(argv_part, cwd=ROOT, capture_output=True, text=True)
                figure = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
                print(figure or done.stderr[-3000:], flush=True)
                if done.returncode != 0:
                    failed.append(f"{part} on {database}")
                    print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
                results.append(
                    {
                        "part": part,
                        "database": database,
                        "passed": done.returncode == 0,
                        "wall_seconds": round(time.monotonic() - started, 1),
                        "figure": figure,
                        "figures": json.loads(out.read_text()) if out.exists() else None,
                    }
                )
    path = ROOT / "var" / ("chaos-quick.json" if args.quick else "chaos.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"quick": args.quick, "parts": results}, indent=2) + "\n")
    print(f"Figures written to {path}.")
    if failed:
        print(f"chaos: FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
