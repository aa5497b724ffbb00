"""Moved to `tests.harness` (kept so that tests written against the old name still import)."""

from tests.harness import (  # noqa: F401
    MAX_LEN,
    VOCAB,
    export_tiny,
    predict_scores,
    random_pairs,
    tiny_hyperparameters,
    tiny_model,
)
