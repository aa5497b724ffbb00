"""The serving contract: what an exported Object2Vec SavedModel offers, in one place.

`keras_o2v.export` writes these signatures, `keras_o2v.inference` speaks them,
`o2v serve` routes to them and the tests check them. Plain constants, no
TensorFlow, so clients can import it.

| signature | inputs (int64 `[batch, None]`, right-padded with 0) | output |
|---|---|---|
| `serving_default` | `in0`, `in1` | `scores` `[batch, num_classes]` (or `[batch, 1]`) |
| `embed_in0` | `in0` | `embeddings` `[batch, d]` (enc0) |
| `embed_in1` | `in1` | `embeddings` `[batch, d]` (enc1) |

Example:
>>> SIGNATURE_INPUTS[embed_signature(1)], OUTPUT_KEYS[embed_signature(1)]
(('in1',), 'embeddings')
"""

import posixpath

INPUT_NAMES = ("in0", "in1")
PADDING_ID = 0

SCORES = "scores"
EMBEDDINGS = "embeddings"

SCORE_SIGNATURE = "serving_default"
EMBED_SIGNATURES = ("embed_in0", "embed_in1")

SIGNATURE_INPUTS = {
    SCORE_SIGNATURE: INPUT_NAMES,
    EMBED_SIGNATURES[0]: (INPUT_NAMES[0],),
    EMBED_SIGNATURES[1]: (INPUT_NAMES[1],),
}
OUTPUT_KEYS = {SCORE_SIGNATURE: SCORES, EMBED_SIGNATURES[0]: EMBEDDINGS,
               EMBED_SIGNATURES[1]: EMBEDDINGS}

# Files beside the graph, in the version folder (TF Serving reads assets.extra/ for warm-up).
HYPERPARAMETERS_ASSET = posixpath.join("assets.extra", "hyperparameters.json")
WARMUP_ASSET = posixpath.join("assets.extra", "tf_serving_warmup_requests")


def embed_signature(side):
    """The embedding signature of encoder `side` (0 or 1)."""
    return EMBED_SIGNATURES[side]


def signature_for(has_in0, has_in1):
    """The signature an instance with these inputs is answered by (both: scores)."""
    if has_in0 and has_in1:
        return SCORE_SIGNATURE
    return EMBED_SIGNATURES[0] if has_in0 else EMBED_SIGNATURES[1]
