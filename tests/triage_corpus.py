"""The triage corpus (tests/data/triage/): loading it, and running it through judge()
the way the site would, one submission after another with one memory between them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from site_app.triage import Submission, Verdict, judge, training
from site_app.triage.memory import LocalMemory

CORPUS = Path(__file__).resolve().parent / "data" / "triage"  # the held-out parts
TRAINED = training.CORPUS  # the parts the shipped model is trained on ship with the site
# blind: written with tuned before tuning; fresh: written after, in new wording. Neither
# is tuned on, and their misses are not printed. training2: written in new wording before
# the second round of work, and trained on with tuned; final: written with it, never
# tuned on, measured once at the end of that round. author_a to author_g: written by
# helpers who never saw the engine, from a list of kinds only (issue 24); a to c are
# trained on (each left out in turn for the cross-author figures), d to g are blind; h and i
# were written blind for issue 24's second round, after every change of the first; j and k
# (blind) and l and m (trained on) for its third, before any change of it; p and q (blind)
# and n and o (trained on) for its fourth, likewise; r and s (trained on) during it; t
# (trained on) and u (blind) for its fifth, measured before any change of it, and v (blind)
# after them; w and x (blind) and y and z (trained on) for its sixth, before any change of it,
# and aa and ab (blind) after all of them, measured once; ac and ad (blind) and ae and af
# (trained on) for its seventh, before any change of it, and ag and ah (blind) after all of
# them, measured once; ai and aj (blind) and ak and al (trained on) for its eighth, before
# any change of it, and am and an (blind) after all of them, measured once; ao and ap (blind)
# and aq (trained on) for its ninth, before any change of it; ar, as and at (trained on) and
# au (blind) during it; av and ax (blind) and aw (trained on) for its tenth, before any
# change of it; bb and bc (blind) and ay, az and ba (trained on) for its eleventh, likewise,
# and bd, be, bf and bg (trained on) during it, measured first on its engine.
HELD_OUT = (
    "blind",
    "fresh",
    "final",
    "author_d",
    "author_e",
    "author_f",
    "author_g",
    "author_h",
    "author_i",
    "author_j",
    "author_k",
    "author_p",
    "author_q",
    "author_u",
    "author_v",
    "author_w",
    "author_x",
    "author_aa",
    "author_ab",
    "author_ac",
    "author_ad",
    "author_ag",
    "author_ah",
    "author_ai",
    "author_aj",
    "author_am",
    "author_an",
    "author_ao",
    "author_ap",
    "author_au",
    "author_av",
    "author_ax",
    "author_bb",
    "author_bc",
)
# Each set of writers, as the cross-author figures leave them out: the earlier parts
# trained on were written in the project's own sessions.
AUTHORS = {
    "house": ("tuned", "training2"),
    "a": ("author_a",),
    "b": ("author_b",),
    "c": ("author_c",),
    "l": ("author_l",),
    "m": ("author_m",),
    "n": ("author_n",),
    "o": ("author_o",),
    "r": ("author_r",),
    "s": ("author_s",),
    "t": ("author_t",),
    "y": ("author_y",),
    "z": ("author_z",),
    "ae": ("author_ae",),
    "af": ("author_af",),
    "ak": ("author_ak",),
    "al": ("author_al",),
    "aq": ("author_aq",),
    "ar": ("author_ar",),
    "as": ("author_as",),
    "at": ("author_at",),
    "aw": ("author_aw",),
    "ay": ("author_ay",),
    "az": ("author_az",),
    "ba": ("author_ba",),
    "bd": ("author_bd",),
    "be": ("author_be",),
    "bf": ("author_bf",),
    "bg": ("author_bg",),
}
PARTS = (*(part for parts in AUTHORS.values() for part in parts), *HELD_OUT)
GOALS = {"spam_out": 0.9, "genuine_held": 0.02, "genuine_spam": 0.0}


@dataclass(frozen=True)
class Entry:
    kind: str  # "genuine" or "spam"
    tag: str
    submission: Submission


@dataclass(frozen=True)
class Figures:
    spam_out: float  # of spam, the share held or filed as spam
    # of genuine with the honeypot empty (as the acceptance bot sends them), the share
    # held or filed as spam; autofilled honeypots are held by design, counted apart
    genuine_held: float
    autofill_held: int
    genuine_spam: float  # of genuine, the share filed as certain spam
    spam: int
    genuine: int


def load(part: str) -> list[Entry]:
    path = CORPUS / f"{part}.toml"
    if not path.exists():
        path = TRAINED / f"{part}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = []
    for kind in ("genuine", "spam"):
        for i, row in enumerate(data[kind]):
            submission = Submission(
                name=row["name"],
                email=row["email"],
                service=row["service"],
                message=row["message"].strip(),
                honeypot=row.get("honeypot", False),
                fill_seconds=float(row.get("fill_seconds", 25)),
                confirmed=row.get("confirmed", False),
                client=row.get("client", f"{part}-{kind}-{i}"),
            )
            entries.append(Entry(kind, row.get("tag", ""), submission))
    return entries


def run(entries: list[Entry]) -> list[tuple[Entry, Verdict]]:
    """Genuine and spam interleaved, as they arrive at a site, through one memory."""
    memory = LocalMemory()
    genuine = [e for e in entries if e.kind == "genuine"]
    spam = [e for e in entries if e.kind == "spam"]
    ordered = [e for pair in zip(genuine, spam, strict=False) for e in pair]
    ordered += genuine[len(spam) :] + spam[len(genuine) :]
    results = []
    for entry in ordered:
        results.append((entry, judge(entry.submission, memory)))
        memory.remember(entry.submission)
    return results


def figures(results: list[tuple[Entry, Verdict]]) -> Figures:
    spam = [v.outcome for e, v in results if e.kind == "spam"]
    genuine = [v.outcome for e, v in results if e.kind == "genuine" and not e.submission.honeypot]
    autofill = [v.outcome for e, v in results if e.kind == "genuine" and e.submission.honeypot]
    return Figures(
        spam_out=sum(o != "lead" for o in spam) / len(spam),
        genuine_held=sum(o != "lead" for o in genuine) / len(genuine),
        autofill_held=sum(o != "lead" for o in autofill),
        genuine_spam=sum(o == "spam" for o in genuine) / len(genuine),
        spam=len(spam),
        genuine=len(genuine),
    )


def misses(results: list[tuple[Entry, Verdict]]) -> list[tuple[Entry, Verdict]]:
    return [(e, v) for e, v in results if (e.kind == "spam") == (v.outcome == "lead")]
