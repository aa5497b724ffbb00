"""The serving contract: what an exported Object2Vec SavedModel offers, in one place.

`keras_o2v.export` writes these signatures, `keras_o2v.inference` speaks them,
`o2v serve` routes to them and the tests check them. Plain constants, no
TensorFlow, so clients can import it.

| signature | inputs | outputs |
|---|---|---|
| `serving_default` | `in0`, `in1` | `scores` `[batch, num_classes]` (or `[batch, 1]`) |
| `embed_in0` | `in0` | `embeddings` `[batch, d]` (enc0) |
| `embed_in1` | `in1` | `embeddings` `[batch, d]` (enc1) |
| `top_k` (with candidates) | `in0`, `k` | `ids` `[batch, max k]` int64, `scores` `[batch, max k]` |
| `top_k_excluding` (with candidates) | `in0`, `k`, `exclude` | `ids`, `scores` as `top_k` |

`in0` / `in1` are int64 `[batch, None]` token ids right-padded with `PADDING_ID`.
`k` is int32, a scalar or one value per row. `exclude` is int64 `[batch, None]`
candidate ids right-padded with `NO_CANDIDATE`. A result slot without a candidate
(past a row's k, or when exclusions leave fewer than k) holds id `NO_CANDIDATE`
and score `NO_SCORE`.

`scores` is `[batch, 1]` for a regression model, and for `training_objective=retrieval`
(the similarity of the two embeddings).

Example:
>>> SIGNATURE_INPUTS[embed_signature(1)], OUTPUT_KEYS[embed_signature(1)]
(('in1',), ('embeddings',))
"""

import posixpath

INPUT_NAMES = ("in0", "in1")
PADDING_ID = 0

SCORES = "scores"
EMBEDDINGS = "embeddings"

SCORE_SIGNATURE = "serving_default"
EMBED_SIGNATURES = ("embed_in0", "embed_in1")

# === Top-k over candidates frozen into the SavedModel (`o2v export --candidates`) ===
TOP_K_SIGNATURE = "top_k"
TOP_K_EXCLUDING_SIGNATURE = "top_k_excluding"
TOP_K_SIGNATURES = (TOP_K_SIGNATURE, TOP_K_EXCLUDING_SIGNATURE)
K = "k"
EXCLUDE = "exclude"
IDS = "ids"
NO_CANDIDATE = -1
NO_SCORE = -3.4028234663852886e38  # the lowest float32: below every real score
CANDIDATE_ID_KEY = "id"  # a candidates file line: {"id": <int >= 0>, "in1": [token ids]}

SIGNATURE_INPUTS = {
    SCORE_SIGNATURE: INPUT_NAMES,
    EMBED_SIGNATURES[0]: (INPUT_NAMES[0],),
    EMBED_SIGNATURES[1]: (INPUT_NAMES[1],),
    TOP_K_SIGNATURE: (INPUT_NAMES[0], K),
    TOP_K_EXCLUDING_SIGNATURE: (INPUT_NAMES[0], K, EXCLUDE),
}
OUTPUT_KEYS = {SCORE_SIGNATURE: (SCORES,), EMBED_SIGNATURES[0]: (EMBEDDINGS,),
               EMBED_SIGNATURES[1]: (EMBEDDINGS,), TOP_K_SIGNATURE: (IDS, SCORES),
               TOP_K_EXCLUDING_SIGNATURE: (IDS, SCORES)}
# Inputs that are not token ids, with their dtype and padding.
INPUT_DTYPES = {K: "int32", EXCLUDE: "int64"}
INPUT_PADDING = {EXCLUDE: NO_CANDIDATE}

# Files beside the graph, in the version folder (TF Serving reads assets.extra/ for warm-up).
HYPERPARAMETERS_ASSET = posixpath.join("assets.extra", "hyperparameters.json")
WARMUP_ASSET = posixpath.join("assets.extra", "tf_serving_warmup_requests")
CANDIDATES_ASSET = posixpath.join("assets.extra", "candidates.json")  # count and score rule

# Hidden scratch folders an export writes in before renaming into place.
EXPORT_SCRATCH_PREFIX = ".export-"

# Default ports, as TensorFlow Serving's (gRPC 8500, REST 8501) and SageMaker's (8080).
GRPC_PORT = 8500
SAGEMAKER_PORT = 8080


def embed_signature(side):
    """The embedding signature of encoder `side` (0 or 1)."""
    return EMBED_SIGNATURES[side]


def signature_for(has_in0, has_in1, has_k=False, has_exclude=False):
    """The signature an instance with these inputs is answered by.

    Both ids give scores; one gives that side's embeddings; `in0` with `k`
    gives the top-k candidates (`top_k_excluding` when ids are excluded).
    """
    if has_k:
        return TOP_K_EXCLUDING_SIGNATURE if has_exclude else TOP_K_SIGNATURE
    if has_in0 and has_in1:
        return SCORE_SIGNATURE
    return EMBED_SIGNATURES[0] if has_in0 else EMBED_SIGNATURES[1]
