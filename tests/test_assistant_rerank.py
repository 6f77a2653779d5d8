"""The re-ranker: which passage answers, fitted on visitors' questions by many hands
(site_app/assistant/rerank.py, fitted by fit_rerank.py through `make fit`)."""

from __future__ import annotations

import json

import pytest

from site_app.assistant import fit_rerank
from site_app.assistant.answer import answer, clean
from site_app.assistant.index import GuideIndex
from site_app.assistant.meaning import shared_embeddings
from site_app.assistant.rerank import MODEL, Reranker
from site_app.guide.content import load_guide
from tests.assistant_quality import HANDOFF, NEVER_TUNED, load_questions


@pytest.fixture(scope="module")
def indexes() -> tuple[GuideIndex, GuideIndex]:
    guide = load_guide()
    return GuideIndex(guide), GuideIndex(guide, reranking=False)


def tuned() -> dict[str, list[dict[str, str]]]:
    return {k: v for k, v in load_questions().items() if k not in NEVER_TUNED}


def first(index: GuideIndex, question: str) -> str:
    result = answer(index, clean(question))
    return result.hits[0].passage.key if result.answered else HANDOFF


def test_the_shipped_reranker_is_the_one_the_questions_give() -> None:
    """Nobody edits rerank.json by hand or forgets `make fit` after editing the guide."""
    refitted = fit_rerank.fit(fit_rerank.collect(tuned()))
    shipped = json.loads(MODEL.read_text(encoding="utf-8"))
    assert refitted["parts"] == shipped["parts"]
    assert refitted["rows"].keys() == shipped["rows"].keys()
    for key, row in shipped["rows"].items():
        assert refitted["rows"][key]["vector"] == pytest.approx(row["vector"], abs=1e-4), key
        assert refitted["rows"][key]["bias"] == pytest.approx(row["bias"], abs=1e-4), key
    assert refitted["signals"] == pytest.approx(shipped["signals"], abs=1e-4)


def test_a_guide_with_a_passage_it_has_no_weights_for_says_to_refit() -> None:
    with pytest.raises(RuntimeError, match="make fit"):
        Reranker(shared_embeddings(), ["what-are-foundation-models", "a-new-section"])


@pytest.mark.parametrize(
    ("question", "expect"),
    [
        ("build us a voice assistant for our call center", "contact"),
        ("Do they use a lot of power to build?", "challenges-and-concerns"),
        (
            "Will training these things get more efficient down the line?",
            "the-future-of-ai-with-foundation-models",
        ),
        ("Why not train a separate model for every task?", "benefits-of-foundation-models"),
    ],
)
def test_what_visitors_taught_it_puts_the_right_section_first(
    indexes: tuple[GuideIndex, GuideIndex], question: str, expect: str
) -> None:
    reranked, handmade = indexes
    assert first(handmade, question) not in (expect, HANDOFF)  # the words alone miss it
    assert first(reranked, question) == expect


def test_on_the_parts_it_learned_from_it_is_right_first_more_often(
    indexes: tuple[GuideIndex, GuideIndex],
) -> None:
    reranked, handmade = indexes
    answerable = [q for qs in tuned().values() for q in qs if q["expect"] != HANDOFF]
    right = sum(first(reranked, q["q"]) == q["expect"] for q in answerable)
    before = sum(first(handmade, q["q"]) == q["expect"] for q in answerable)
    assert right >= before + len(answerable) // 50
