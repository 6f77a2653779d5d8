"""The wording model: shipped as data, reproducible from the training parts of the
corpus, read with the rules, and in three bands of which only the top one holds alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_app.triage import RulesError, Submission, judge, load_rules
from site_app.triage.learned import DEFAULT, features, load_model, load_packed, packed
from site_app.triage.memory import LocalMemory
from site_app.triage.packed import Packed
from site_app.triage.ruleset import DEFAULT as RULES
from site_app.triage.training import TRAINED_ON, from_corpus, main, train
from tests.triage_corpus import HELD_OUT, TRAINED


def test_the_shipped_model_is_the_training_parts_retrained() -> None:
    assert not {Path(name).stem for name in TRAINED_ON} & set(HELD_OUT)
    again = from_corpus(*(TRAINED / name for name in TRAINED_ON))
    assert load_model() == again, "retrain: python -m site_app.triage.training (training.py)"


PITCHES = [
    (True, "we offer a free audit for your website"),
    (True, "we offer cheap backlinks for your website"),
    (False, "we need a chatbot for our clinic"),
    (False, "can you build a chatbot for our shop"),
]


def test_words_of_pitches_weigh_for_spam_and_words_of_requests_against() -> None:
    model = train(PITCHES)
    assert model.weights["your website"] > 0 > model.weights["a chatbot"]
    assert model.log_odds("we offer an audit of your website") > 0
    assert model.log_odds("can you build a chatbot for our clinic") < 0


def test_word_parts_carry_across_spellings_and_cjk_is_read_in_pairs() -> None:
    found = features("Optimisation 网站建设")
    assert {"#<opt", "#timi", "optimisation"} <= found
    assert {"网站", "站建", "建设"} <= found
    pairs = [(True, "search optimisation offered"), (False, "our invoices by email")]
    model = train(pairs, min_docs=1)
    assert model.log_odds("otimização de sites") > model.log_odds("invoices")


def test_the_command_writes_a_model_the_rules_read(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.toml"
    rows = [f'[[{"spam" if s else "genuine"}]]\nmessage = "{m}"\n' for s, m in PITCHES]
    corpus.write_text("\n".join(rows), encoding="utf-8")
    out = tmp_path / "learned.json"
    assert main([str(corpus), str(out)]) == 0
    written = load_model(out)
    assert written == from_corpus(corpus) and written.weights["your website"] > 0
    assert out.with_suffix(".bin").exists()  # what a worker reads
    assert main([str(out)]) == 2  # a corpus and where to write: no arguments retrain the shipped


def test_a_worker_reads_the_packed_file_only_when_it_was_packed_from_the_json(
    tmp_path: Path,
) -> None:
    """learned.bin ships beside learned.json; a JSON edited since (or a copy without its
    .bin) is parsed and packed instead, never judged with stale weights."""
    shipped = load_packed()
    assert isinstance(shipped.weights, Packed)
    assert shipped.weights.fingerprint() == packed(load_model()).weights.fingerprint()
    assert DEFAULT.with_suffix(".bin").stat().st_size < DEFAULT.stat().st_size
    copy = tmp_path / "learned.json"
    copy.write_bytes(DEFAULT.read_bytes())
    (tmp_path / "learned.bin").write_bytes(DEFAULT.with_suffix(".bin").read_bytes())
    assert load_packed(copy).weights.get("your website") == shipped.weights.get("your website")
    edited = load_model(copy)
    copy.write_text(json.dumps({"prior": edited.prior, "weights": {"your website": 9.0}}))
    assert (
        load_packed(copy).weights.get("your website") == 9.0 and len(load_packed(copy).weights) == 1
    )
    (tmp_path / "learned.bin").write_bytes(b"GLWORDS1 truncated")
    assert load_packed(copy).weights.get("your website") == 9.0


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{", "not a model"),
        ('{"prior": 1}', "not a model"),
        ('{"prior": 0, "weights": {"a": "x"}}', "number"),
    ],
)
def test_a_broken_model_file_stops_the_rules(tmp_path: Path, content: str, says: str) -> None:
    (tmp_path / "bad.json").write_text(content, encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text('learned_model = "bad.json"\n' + RULES.read_text("utf-8"), "utf-8")
    with pytest.raises(RulesError, match=says):
        load_rules(rules)


def verdict_for(message: str, model: dict[str, float], tmp_path: Path) -> tuple[str, float]:
    """judge() with a model that gives every message the same log odds (its prior)."""
    (tmp_path / "m.json").write_text(json.dumps({"prior": model["prior"], "weights": {}}))
    rules = tmp_path / "rules.toml"
    every = RULES.read_text("utf-8").replace("min_features = 25", "min_features = 0")
    rules.write_text('learned_model = "m.json"\n' + every, "utf-8")
    submission = Submission("Al", "al@example.com", "Other", message, False, 30.0, False, "c")
    verdict = judge(submission, LocalMemory(), load_rules(rules))
    return verdict.outcome, verdict.score


@pytest.mark.parametrize(
    ("band", "below", "outcome", "weight"),
    [("at_low", True, "lead", None), ("at_low", False, "lead", "weight_low"),
     ("at", True, "lead", "weight_low"), ("at", False, "lead", "weight"),
     ("at_high", True, "lead", "weight"), ("at_high", False, "held", "weight_high")],
)  # fmt: skip
def test_only_the_top_band_holds_alone(
    tmp_path: Path, band: str, below: bool, outcome: str, weight: str | None
) -> None:
    """Just below and at each band's log odds, with the shipped bands."""
    rules = load_rules()
    learned = rules.signals["learned"]
    odds = learned.params[band] - (0.1 if below else 0.0)
    score = 0.0 if weight is None else learned.params.get(weight, learned.weight)
    message = "Could you build a chatbot for our clinic? How much would it cost?"
    assert verdict_for(message, {"prior": odds}, tmp_path) == (outcome, score)
    assert rules.signals["learned"].params["weight_high"] < rules.spam  # never spam alone
    assert rules.signals["learned"].weight < rules.held


def relieved(
    prior: float, tmp_path: Path, honeypot: bool = False, relief: str = "relief = 0.3"
) -> tuple[str, tuple[str, ...]]:
    """A real person's inquiry that form and address signals hold (sent fast, a .top
    address, a link to another site), judged with a model that gives it ``prior``."""
    (tmp_path / "m.json").write_text(json.dumps({"prior": prior, "weights": {}}))
    rules = tmp_path / "rules.toml"
    every = RULES.read_text("utf-8").replace("min_features = 25", "min_features = 0")
    rules.write_text('learned_model = "m.json"\n' + every.replace("relief = 0.3", relief), "utf-8")
    message = (
        "Could you build a chatbot for our physiotherapy clinic in Leeds? Our brief is at "
        "https://docs-host.example.org/brief and we hope to start in May."
    )
    sent = Submission("Al", "al@physio-leeds.top", "Other", message, honeypot, 1.0, False, "c")
    verdict = judge(sent, LocalMemory(), load_rules(rules))
    return verdict.outcome, verdict.signals


def test_wording_the_model_finds_genuine_relieves_what_the_form_and_address_found(
    tmp_path: Path,
) -> None:
    at = load_rules().signals["learned"].params["at_genuine"]
    assert relieved(at + 0.1, tmp_path) == ("held", ("fast_fill", "foreign_link", "risky_tld"))
    outcome, signals = relieved(at, tmp_path)
    assert outcome == "lead" and "learned" in signals
    # A filled hidden field is relieved of nothing: a bot may paste a person's words
    assert relieved(at - 5, tmp_path, honeypot=True)[0] == "held"
    # Ops turn it off with a relief of 0: the verdict is as if the signal had no relief
    assert relieved(at - 5, tmp_path, relief="relief = 0") == (
        "held",
        ("fast_fill", "foreign_link", "risky_tld"),
    )


def test_a_relief_with_nothing_to_relieve_is_silent(tmp_path: Path) -> None:
    outcome, score = verdict_for("Could you build us a chatbot?", {"prior": -9.0}, tmp_path)
    assert (outcome, score) == ("lead", 0.0)
    plain = Submission("Al", "al@example.com", "Other", "Hi, price?", False, 30.0, False, "c")
    assert judge(plain, LocalMemory()).signals == ()


def test_a_message_the_model_knows_little_of_is_not_weighed() -> None:
    # Its log odds would be the prior, the corpus's balance of spam and genuine, not
    # evidence: three words the model barely knows, sent fast, are no reason to hold.
    fast = Submission(
        "Ada", "ada@example.com", "Chatbot", "Steady inquiry 5", False, 0.3, False, "c"
    )
    verdict = judge(fast, LocalMemory())
    assert verdict.outcome == "lead" and "learned" not in verdict.signals


def test_a_feature_seen_in_one_message_weighs_nothing() -> None:
    # The model says nothing of words it has hardly seen (MIN_DOCS): one writer's
    # "zanzibar" in one pitch does not make the next person's "zanzibar" spam.
    model = train([*PITCHES, (True, "zanzibar villas for your website")])
    assert "zanzibar" not in model.weights and "your website" in model.weights


def test_a_band_that_would_file_spam_alone_stops_the_rules(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    text = RULES.read_text("utf-8").replace("weight_high = 1.0", "weight_high = 2.5")
    rules.write_text(text, "utf-8")
    with pytest.raises(RulesError, match="signals.learned.weight_high: 2.5 reaches"):
        load_rules(rules)


@settings(max_examples=200, deadline=None)
@given(
    code=st.uuids().map(lambda u: u.hex)
    | st.from_regex(r"[A-Za-z]{0,6}[0-9][A-Za-z0-9]{0,12}", fullmatch=True)
)
def test_a_code_in_a_message_weighs_nothing(code: str) -> None:
    """An order number, ticket id or hash is not a word: "3fa9bdec" once read as "fa"
    and "bdec", and one marker in seven reached log odds 1 on its own."""
    model = load_model()
    message = "Sent past slow clients, please confirm the order"
    assert features(f"{message} {code}") == features(message)
    assert model.log_odds(f"{message} {code}") == model.log_odds(message)
