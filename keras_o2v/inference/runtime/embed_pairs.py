"""Embeds the distinct objects of one side of a pairs channel into a vectors file.

`o2v embed --pairs train.jsonl --side in1 --output movies.npy` embeds every distinct
`in1` object of a training channel (the candidates of retrieval) once, with enc1.
An object's id is its token id when every object of that side is one token (a
movie id, a label), otherwise its token ids joined by spaces (`"12 7 33"`). The
output is chosen by extension: `.npy` (float32 `[n, d]`) with the ids in the
sidecar `<name>.ids.txt`, or JSON Lines `{"id": ..., "embeddings": [...]}`; both are
what `o2v neighbors` and `keras_o2v.neighbors.read_vectors` read, and both are
written atomically.

Example:
>>> embed_pairs(model, "train.jsonl", side=1, output_path="movies.npy")  # doctest: +SKIP
1664
"""

import json

import numpy as np

from keras_o2v.atomic_files import atomic_path, atomic_write
from keras_o2v.data.distinct_objects import distinct_objects
from keras_o2v.neighbors.vector_files import ids_path_for
from keras_o2v.serving_contract import EMBEDDINGS, INPUT_NAMES


def embed_pairs(model, channel, side, output_path, batch_size=1024):
    """Embeds the distinct `in<side>` objects of a pairs channel; returns how many.

    Args:
        model: a trained `keras_o2v.Object2Vec`.
        channel: a pairs channel (file, folder of shards, or a list).
        side: 0 (`in0`, enc0) or 1 (`in1`, enc1).
        output_path: `.npy` (plus `<name>.ids.txt`) or JSON Lines.
        batch_size: objects per forward pass.
    """
    if side not in (0, 1):
        raise ValueError(f"side must be 0 or 1, got {side!r}")
    _, ids = distinct_objects(channel, model.hyperparameters, side)
    vectors = model.embed(**{INPUT_NAMES[side]: ids}, batch_size=batch_size)
    object_ids = object_names(ids)
    if str(output_path).endswith(".npy"):
        with atomic_path(output_path, suffix=".npy") as temporary:
            np.save(temporary, vectors.astype(np.float32))
        with atomic_write(ids_path_for(str(output_path))) as out:
            out.write("".join(f"{name}\n" for name in object_ids))
    else:
        with atomic_write(output_path) as out:
            for name, vector in zip(object_ids, vectors):
                out.write(json.dumps({"id": name, EMBEDDINGS: [float(v) for v in vector]}) + "\n")
    return len(object_ids)


def object_names(ids):
    """Ids of padded objects: the token id when all are one token, else the joined tokens."""
    if ids.shape[1] == 1 or not ids[:, 1:].any():
        return [int(token) for token in ids[:, 0]]
    return [" ".join(str(int(t)) for t in row[row != 0]) for row in ids]
