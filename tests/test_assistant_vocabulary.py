"""The tokenizer's vocabulary as shipped (site_app/assistant/vocabulary.bin): every token
of the tokenizer file with its id, and a file built from another tokenizer refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_app.assistant import vocabulary
from site_app.assistant.meaning import TOKENIZER, package_folder

FILE = package_folder() / TOKENIZER


def test_the_shipped_vocabulary_is_the_tokenizers() -> None:
    expected = vocabulary.parse(FILE)
    shipped = vocabulary.load(FILE)
    assert len(shipped) == len(expected) == 32_000
    assert all(shipped.get(token) == token_id for token, token_id in expected.items())
    assert "\u2581foundation" in shipped and "\u2581qqzxv" not in shipped
    assert shipped.get("\u2581qqzxv") is None


def test_a_vocabulary_built_from_another_tokenizer_stops_start_up(tmp_path: Path) -> None:
    other = tmp_path / "tokenizer.json"
    other.write_bytes(FILE.read_bytes() + b"\n")  # another release of the file
    with pytest.raises(vocabulary.StaleVocabulary, match="run make fit"):
        vocabulary.load(other)
    damaged = tmp_path / "vocabulary.bin"
    damaged.write_bytes(vocabulary.SHIPPED.read_bytes()[:-4])
    with pytest.raises(vocabulary.StaleVocabulary, match="damaged"):
        vocabulary.load(FILE, damaged)
