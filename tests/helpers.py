"""Moved to `tests.harness` (kept so that tests written against the old name still import)."""

from tests.harness import (  # noqa: F401
    additive_rating_pairs,
    modular_match_pairs,
    token_sequence_pairs,
    write_jsonl,
)
