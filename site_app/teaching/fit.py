"""``python -m site_app.teaching.fit``: one refit in a process of its own. Reads the site's
decisions and recent messages as JSON on stdin ({"site": [[spam, message, weight], ...],
"traffic": [message, ...]}) and writes the model as JSON on stdout. The learner runs it,
so a worker never holds the refit's working memory and its requests never wait on the
refit for the GIL."""

from __future__ import annotations

import json
import os
import sys

from site_app.teaching.examples import Example
from site_app.teaching.refit import dumps, shipped_corpus
from site_app.triage import load_rules, training
from site_app.triage.ruleset import DEFAULT


def main() -> int:
    os.nice(10)  # the site's requests come first
    given = json.load(sys.stdin)
    site = [Example(bool(s), str(m), float(w)) for s, m, w in given["site"]]
    base = load_rules(os.environ.get("TRIAGE_RULES") or DEFAULT).model
    model = training.refine(
        base,
        shipped_corpus(),
        [(e.spam, e.message) for e in site],
        [e.weight for e in site],
        [str(m) for m in given["traffic"]],
    )
    sys.stdout.write(dumps(model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
