"""What judge() skips to be fast never changes what it finds: a pattern is not run on a
text that lacks its required literals only when it could not match there; the message's
normal form takes a short path only when the text has no link or address; word parts
are every four letters of each marked word."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_app.triage import engine, learned
from site_app.triage.literals import gates, meets

SHIPPED = engine.active_rules().phrases.patterns
# The characters the shipped patterns are made of, and then some: texts made of them
# match the patterns often, so the property is tested where it matters.
PIECES = st.sampled_from(
    [
        *"0123456789 $%.,+@/:-abcdeglmnoprstuwy\n",
        "btc",
        "usdt",
        "records",
        "contacts",
        "verified",
        " million",
        "us$",
        "whatsapp",
        "telegram",
        "t.me/",
        "skype ",
        "qq ",
        "da",
        "off",
        "returns",
        "daily",
        "per ",
        "hour",
        "starting at ",
        "only ",
        "from ",
        "bc1",
        "1a1zp1ep5qgefi2dmptftl5slmv7divfna",
        "withdraw ",
        "earn ",
    ]
)
TEXTS = st.lists(PIECES, max_size=40).map("".join)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_a_pattern_is_skipped_only_where_it_cannot_match(text: str) -> None:
    for pattern, _, its_gates in SHIPPED:
        if pattern.search(text):
            assert meets(text, its_gates), (pattern.pattern, text)


def test_the_shipped_patterns_have_gates_that_skip_ordinary_text() -> None:
    ordinary = "we would like a quote for a chatbot for our 12 clinics, call 0412 555 123"
    skipped = [p.pattern for p, _, g in SHIPPED if not meets(ordinary, g)]
    assert len(skipped) >= len(SHIPPED) // 2, skipped


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\b\d+(\.\d+)?\s*btc\b", [{"btc"}]),
        (r"\b\d[\d,]*\s+(verified\s+)?(records|contacts)\b", [{"records", "contacts"}]),
        (r"\d+%\s+off\b", [{"%"}, {"off"}]),
        (r"qq[\s:]*\d", [{"qq"}]),
        (r"\b[13][a-z]{25,}", [{"1", "3"}]),
        (r"(?i)usdt", []),  # case-insensitive: the text's case is not the pattern's
        (r"(?i:usdt)\d", []),
        (r"(usdt)?\d", []),  # optional: nothing is required
        (r"(\+|\b)\d", []),  # a branch with nothing literal in it
        (r"[^a]bc", [{"bc"}]),
    ],
)
def test_gates_of_a_pattern(pattern: str, expected: list[set[str]]) -> None:
    assert [set(g) for g in gates(re.compile(pattern))] == expected


WRITTEN = st.text(
    st.characters(categories=["L", "M", "N", "P", "S", "Z"]) | st.sampled_from(list("@:/w.")),
    max_size=300,
)


@settings(max_examples=500, deadline=None)
@given(text=WRITTEN)
def test_the_normal_form_is_the_same_by_either_path(text: str) -> None:
    folded = engine.text.fold(text)
    slow = " ".join(engine._NOT_WORDS.sub(" ", folded).split())
    engine._normalised.cache_clear()
    assert engine._normalised(text) == slow


@settings(max_examples=300, deadline=None)
@given(text=WRITTEN)
def test_word_parts_are_every_four_letters_of_each_marked_word(text: str) -> None:
    found = learned.features(text)
    parts = {f for f in found if f.startswith("#")}
    words = {f for f in found if " " not in f and not f.startswith("#")}
    expected = {
        "#" + f"<{w}>"[i : i + learned.GRAM]
        for w in words
        if not learned._CJK.search(w)
        for i in range(len(w) + 3 - learned.GRAM)
    }
    assert parts == expected
