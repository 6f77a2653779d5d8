"""`make bench`: run every benchmark module in turn, keep going past a failure,
and exit non-zero at the end if any failed."""

from __future__ import annotations

import importlib
import sys
import time
import traceback

MODULES = (
    "bench.site",
    "bench.metrics",
    "bench.messages",
    "bench.inquiries",
    "bench.multihost",
    "bench.leads",
    "bench.assistant",
    "bench.assistant_weight",
    "bench.purge",
    "bench.triage",
    "bench.triage_authors",
    "bench.triage_learning",
    "bench.triage_learning_cost",
    "bench.counting",
)


def main() -> int:
    failed: list[str] = []
    for name in MODULES:
        print(f"\n===== {name} =====", flush=True)
        started = time.monotonic()
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            print(f"(not present: {name} skipped)")
            continue
        try:
            module.run()
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"({name} took {time.monotonic() - started:.0f} s)", flush=True)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("\nall benchmarks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
