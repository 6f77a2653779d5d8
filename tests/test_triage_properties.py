"""Properties of judge() over inputs no corpus lists: a person writing in any script
without links is never certain spam, and no text makes judge raise."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_app.triage import Submission, fingerprints, judge, text_fingerprint, wording
from site_app.triage.memory import LocalMemory

# Letters, marks, digits, punctuation and spaces of every script: what people type.
PEOPLE = st.characters(categories=["L", "M", "Nd", "P", "Zs"], exclude_characters="<>[]")
ANY = st.text(max_size=600)
SERVICES = st.sampled_from(["Chatbot", "AI agents", "Workflow automation", "Other"])
ADDRESSES = st.from_regex(r"[a-z][a-z0-9._]{0,20}@[a-z]{2,12}\.(com|de|ru|cn|org)", fullmatch=True)


def no_links(text: str) -> bool:
    lowered = text.casefold()
    return "http" not in lowered and "www." not in lowered


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.text(PEOPLE, min_size=1, max_size=100).filter(no_links),
    email=ADDRESSES,
    service=SERVICES,
    message=st.text(PEOPLE, min_size=1, max_size=2000).filter(no_links),
    honeypot=st.booleans(),
    fill_seconds=st.floats(min_value=0, max_value=3600),
    confirmed=st.booleans(),
)
def test_a_person_without_links_is_never_certain_spam(
    name: str,
    email: str,
    service: str,
    message: str,
    honeypot: bool,
    fill_seconds: float,
    confirmed: bool,
) -> None:
    submission = Submission(
        name, email, service, message, honeypot, fill_seconds, confirmed, "client"
    )
    assert judge(submission, LocalMemory()).outcome != "spam"


@settings(max_examples=300, deadline=None)
@given(
    name=ANY,
    email=ANY,
    message=st.text(max_size=5000),
    fill_seconds=st.floats(allow_nan=True, allow_infinity=True),
)
def test_judge_never_raises_on_any_text(
    name: str, email: str, message: str, fill_seconds: float
) -> None:
    submission = Submission(name, email, "Other", message, False, fill_seconds, False, "c")
    memory = LocalMemory()
    verdict = judge(submission, memory)
    assert verdict.outcome in {"lead", "held", "spam"}
    assert len(verdict.reasons) == len(verdict.signals)
    assert text_fingerprint(message).startswith("text:")
    memory.remember(submission)
    memory.mark_spam(submission)
    assert judge(submission, memory).outcome == "spam"
    assert all(":" in mark for mark in fingerprints(submission))


GREETINGS = st.sampled_from(["hello", "Hi", "hey", "bye", "and", "Good", "morning", "test"])
WORD = st.from_regex(r"[a-z]{2,7}", fullmatch=True).filter(lambda w: w not in wording._NOTHING)


@settings(max_examples=200, deadline=None)
@given(
    before=st.lists(GREETINGS, max_size=4),
    word=WORD,
    after=st.lists(GREETINGS, max_size=4),
    gap=st.sampled_from([" ", ", ", "! ", "\n"]),
)
def test_one_word_besides_greetings_says_something(
    before: list[str], word: str, after: list[str], gap: str
) -> None:
    """ "Hello, price" says what it wants: the empty signal reads words, not length."""

    def signals(message: str) -> tuple[str, ...]:
        sent = Submission("Ann Lee", "ann@example.com", "Chatbot", message, False, 30, False, "c")
        return judge(sent, LocalMemory()).signals

    assert "empty" not in signals(gap.join([*before, word, *after]))
    assert "empty" in signals(gap.join([*before, *after]) or "hi")
