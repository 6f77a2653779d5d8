"""The rules file (weights, thresholds, domain and phrase lists) read and checked once.

Ops change ``rules.toml`` (or point ``TRIAGE_RULES`` at a copy); a mistake stops the site
at start-up with a message naming the entry, never a wrong verdict at run time.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

from site_app.triage import learned
from site_app.triage.reader import Reader
from site_app.triage.ruleset import DEFAULT, Rules, RulesError


def load_rules(path: Path | str = DEFAULT) -> Rules:
    where = str(path)
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except OSError as error:
        raise RulesError(f"{where}: cannot read it ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"{where}: not valid TOML ({error})") from None
    reader = Reader(where)
    rules = reader.rules(data)
    model_path = data.get("learned_model", str(learned.DEFAULT))
    if not isinstance(model_path, str):
        raise reader.fail("learned_model", "expected the path of a model file")
    try:  # relative to the rules file, so a copy can sit beside its own model
        model = learned.load_packed(Path(path).parent / model_path)
    except (OSError, ValueError) as error:
        raise reader.fail("learned_model", f"{model_path}: not a model ({error})") from None
    return replace(rules, model=model)
