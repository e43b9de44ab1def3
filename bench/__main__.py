"""`python -m bench` (what `make bench` runs): every suite, medians of several runs, written
to bench/results.json and to the table between the bench markers of docs/performance.md."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import machine, registry, report

ROOT = Path(__file__).resolve().parent.parent


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes (a minute or two a suite)")
    p.add_argument(
        "--only",
        action="append",
        metavar="SUITE",
        help=f"run only this suite (repeatable): {', '.join(registry.SUITES)}",
    )
    p.add_argument("--runs", type=int, default=None, help="runs per suite (default 3; quick 1)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    p.add_argument(
        "--merge",
        action="store_true",
        help="keep the suites of the existing results file that this run does not measure "
        "(each suite records its own date, sizes and load)",
    )
    p.add_argument(
        "--readme",
        type=Path,
        default=ROOT / "docs" / "performance.md",
        help="the page whose bench markers receive the table (default docs/performance.md)",
    )
    p.add_argument("--no-readme", action="store_true", help="leave docs/performance.md as it is")
    p.add_argument("--list", action="store_true", help="list the suites and exit")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen suites and write the results."""
    args = parse(argv)
    if args.list:
        print("\n".join(registry.SUITES))
        return 0
    names = args.only or list(registry.SUITES)
    unknown = [n for n in names if n not in registry.SUITES]
    if unknown:
        print(f"unknown suite(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    runs = args.runs if args.runs is not None else (1 if args.quick else 3)
    if runs < 1:
        print("--runs must be at least 1", file=sys.stderr)
        return 2
    document: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "runs": runs,
        "machine": machine.describe(),
        "suites": {},
    }
    if args.merge and args.out.exists():
        kept = json.loads(args.out.read_text(encoding="utf-8")).get("suites", {})
        document["suites"] = {k: v for k, v in kept.items() if k not in names}
    for name in names:
        module = registry.load(name)
        results = []
        for i in range(runs):
            print(f"{name}: run {i + 1} of {runs}", file=sys.stderr, flush=True)
            began = time.monotonic()
            result = module.run(quick=args.quick)
            print(f"{name}: {result} ({time.monotonic() - began:.0f} s)", file=sys.stderr)
            results.append(result)
        document["suites"][name] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": args.quick,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "median": report.medians(results),
            "runs": results,
            "units": dict(getattr(module, "UNITS", {})),
            "targets": dict(getattr(module, "TARGETS", {})),
        }
        report.write_results(args.out, document)  # after each suite, so a failure keeps some
    if not args.no_readme and not report.update_readme(args.readme, document):
        print(f"{args.readme} has no {report.START} marker; table not written", file=sys.stderr)
    print(report.table(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
