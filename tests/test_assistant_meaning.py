"""The assistant's meaning (WordLlama read from its wheel) and its answer-type check."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from site_app.assistant.answer import answer, clean
from site_app.assistant.index import MAX_LENGTH, GuideIndex
from site_app.assistant.kinds import asked_for
from site_app.assistant.meaning import TOKENIZER, package_folder, shared_embeddings
from site_app.guide.content import load_guide

INDEX = GuideIndex(load_guide())
REFERENCE = Tokenizer.from_file(str(package_folder() / TOKENIZER))
WORD = st.from_regex(r"[A-Za-z][A-Za-z'\-?,.!]{0,11}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORD, min_size=1, max_size=8))
def test_our_bpe_splits_words_as_llamas_tokenizer_does(words: list[str]) -> None:
    text = " ".join(words)
    ours = [t for w in words for t in shared_embeddings().tokens("\u2581" + w)]
    assert ours == REFERENCE.encode(text, add_special_tokens=False).ids


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=MAX_LENGTH))
def test_any_text_has_a_unit_vector_or_none_and_an_answer(text: str) -> None:
    vector = shared_embeddings().vector(text)
    length = math.sqrt(sum(x * x for x in vector))
    assert all(math.isfinite(x) for x in vector)
    assert length == 0 or abs(length - 1) < 1e-6
    result = answer(INDEX, clean(text))
    assert len(result.hits) <= 2 and len(result.suggestions) <= 2


def test_the_engine_imports_neither_numpy_nor_the_wordllama_package() -> None:
    """Their imports would cost every worker some 45 MB: the files are read directly."""
    script = (
        "import sys\n"
        "from site_app.assistant.index import GuideIndex\n"
        "from site_app.guide.content import load_guide\n"
        "GuideIndex(load_guide())\n"
        "heavy = {'numpy', 'tokenizers', 'wordllama', 'pydantic', 'safetensors'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    root = Path(__file__).resolve().parent.parent
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "[]"


def test_meaning_finds_a_paraphrase_the_words_alone_miss() -> None:
    similarities = INDEX.meanings.similarities("Is it bad for the planet?")
    keys = [p.key for p in INDEX.passages]
    assert keys[similarities.index(max(similarities))] == "challenges-and-concerns"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who invented transfer learning?", "names of people or firms"),
        ("Which company released the first GPT?", "names of people or firms"),
        ("When was BERT released?", "dates"),
        ("How big was CLIP's training set?", "figures"),
        ("What's the size of GPT in gigabytes?", "figures"),
        ("What does CLIP stand for?", "expansions of names"),
        ("Give me the steps to set up BERT", "steps to follow"),
        ("What licence is BERT under?", "product details"),
        ("What's the context length of GPT?", "figures"),
        ("Does Glissando build its own models?", "details of our own services"),
        ("where is glissando based", "details of our own services"),
        ("who was behind the creation of BERT?", "names of people or firms"),
        ("what is the full name of CLIP", "expansions of names"),
        ("what data was GPT trained on", "product details"),
        ("is there a python library for BERT", "steps to follow"),
        ("is GPT better than BERT for search?", "rankings of one model against another"),
        ("are you hiring developers?", "details of our own services"),
        ("write me a poem about cats", "work done on request"),
        ("good morning!", "small talk"),
        ("What's the architecture of GPT?", "product details"),
        ("Where is OpenAI based?", "product details"),
        ("Is CLIP open source?", "product details"),
        ("What's the difference between GPT-3 and GPT-4?", "rankings of one model against another"),
        ("how much did GPT-3 cost to train", "figures"),
        ("recommend me a good book", "work done on request"),
        ("can I work for glissando", "details of our own services"),
        ("gpt size?", "product details"),
        ("what does the T in GPT mean", "expansions of names"),
        ("Is BERT made by Google?", "names of people or firms"),
        ("who r the ppl behind gpt", "names of people or firms"),
        ("which foundation model is the most popular", "rankings of one model against another"),
        ("what is the price of using a foundation model via API", "figures"),
        # Questions the guide answers, though they start like those above:
        ("what kinds of things can you do with a foundation model", None),
        ("Do they speed things up?", None),
        ("Who controls these models?", None),
        ("who makes money from them", None),
        ("When will training get cheaper?", None),
        ("next steps for foundation models", None),
        ("How much energy does training take?", None),
        ("How do they help developers?", None),
        ("why is one big model better than lots of small ones", None),
        ("Could they help me write my marketing emails?", None),
        ("What's the best way to reach your sales team?", None),
        ("foundation model vs LLM", None),
        ("What's the difference between a foundation model and a normal model?", None),
        ("Do they reduce training costs?", None),
        ("Will there be more open-source models?", None),
        ("hi, what are the risks?", None),
        ("what are they trained on", None),
        ("Are there libraries for using them?", None),
        ("who benefited from foundation models", None),
        ("will more open models come out", None),
        ("what is the best thing about them", None),
        ("can you translate a contract with them", None),
        ("write me a summary of the guide", None),
        ("What does GPT mean for my business?", None),
        ("Is it a problem that Google and Microsoft control them?", None),
        ("do they lower the cost of training AI", None),
        # Asking whether a model can do a task is the guide's; commanding one is not
        ("can it translate a contract into French", None),
        ("could it draft my newsletter?", None),
        ("can they write me a cover letter?", None),
        ("translate this into German", "work done on request"),
        ("draft my newsletter", "work done on request"),
        ("write a blog post about cats", "work done on request"),
        # The firms as a subject, not asked for
        ("do they reduce what companies spend on AI", None),
        ("which companies use them", None),
        ("what company made CLIP", "names of people or firms"),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: str | None) -> None:
    assert asked_for(question) == kind


def test_a_question_weak_by_words_and_by_meaning_is_handed_off() -> None:
    """ "today" is a word of the guide's, but nothing else about the weather is."""
    assert not answer(INDEX, "what's the weather like today").answered
    assert answer(INDEX, "what's the bottom line").answered  # the lowest answerable, 0.22


def test_use_cases_in_visitors_words_are_answered() -> None:
    for question in ("could one draft my newsletter", "could one help me turn docs into German"):
        result = answer(INDEX, question)
        assert result.answered, question
        assert result.hits[0].passage.key == "real-world-applications", question
