"""Groups instances of mixed modes into one padded batch per signature, and back."""

import dataclasses
from typing import Dict, List

import numpy as np

from keras_o2v.data.ragged_rows import pad_sequences
from keras_o2v.serving_contract import (
    EXCLUDE,
    IDS,
    NO_CANDIDATE,
    OUTPUT_KEYS,
    SIGNATURE_INPUTS,
    TOP_K_SIGNATURES,
    K,
)


@dataclasses.dataclass
class SignatureBatch:
    """Instances of one mode, padded for one signature call.

    Args:
        signature: `serving_default`, `embed_in0`, `embed_in1`, `top_k` or `top_k_excluding`.
        inputs: input name -> array: ids int64 `[n, longest]` right-padded with 0,
            `k` int32 `[n]`, `exclude` int64 `[n, longest]` right-padded with -1.
        positions: index of each row in the original request.
    """

    signature: str
    inputs: Dict[str, np.ndarray]
    positions: List[int]

    @property
    def output_keys(self):
        """The signature's outputs: `("scores",)`, `("embeddings",)` or `("ids", "scores")`."""
        return OUTPUT_KEYS[self.signature]


def plan_batches(instances, max_batch_size=None):
    """Splits instances by mode (in request order) into padded `SignatureBatch`es.

    Args:
        instances: `Instance`s, modes may be mixed.
        max_batch_size: cap on rows per batch (None: one batch per mode).

    Returns:
        A list of `SignatureBatch`.

    Example:
    >>> batches = plan_batches([Instance((1, 2), (3,)), Instance((4,), None)])
    >>> [b.signature for b in batches]
    ['serving_default', 'embed_in0']
    """
    by_signature = {}
    for position, instance in enumerate(instances):
        by_signature.setdefault(instance.signature, []).append(position)
    batches = []
    for signature, positions in by_signature.items():
        step = max_batch_size or len(positions)
        for start in range(0, len(positions), step):
            chunk = positions[start:start + step]
            inputs = {name: _column(name, [getattr(instances[p], name) for p in chunk])
                      for name in SIGNATURE_INPUTS[signature]}
            batches.append(SignatureBatch(signature, inputs, chunk))
    return batches


def _column(name, values):
    if name == K:
        return np.asarray(values, np.int32)
    if name == EXCLUDE:
        width = max(1, max(len(v) for v in values))
        column = np.full((len(values), width), NO_CANDIDATE, np.int64)
        for row, ids in enumerate(values):
            column[row, :len(ids)] = ids
        return column
    return pad_sequences(values)


def assemble(count, batches, outputs):
    """Puts each batch's output rows back in request order.

    Args:
        count: number of instances in the request.
        batches: the `SignatureBatch`es from `plan_batches`.
        outputs: per batch, `{output name: array (or nested list) [n, width]}`.

    Returns:
        A list of `{"scores": [...]}` / `{"embeddings": [...]}` /
        `{"ids": [...], "scores": [...]}` dicts; top-k rows leave out empty slots
        (id -1: past the row's k, or candidates exhausted by `exclude`).
    """
    results = [None] * count
    for batch, output in zip(batches, outputs):
        columns = {}
        for key in batch.output_keys:
            value = output[key]
            columns[key] = value.tolist() if isinstance(value, np.ndarray) else value
            if len(columns[key]) != len(batch.positions):
                raise ValueError(f"{batch.signature} returned {len(columns[key])} rows for "
                                 f"{len(batch.positions)} instances")
        top_k = batch.signature in TOP_K_SIGNATURES
        for row, position in enumerate(batch.positions):
            result = {key: columns[key][row] for key in batch.output_keys}
            if top_k:
                keep = [i for i, candidate in enumerate(result[IDS]) if candidate != NO_CANDIDATE]
                result = {key: [values[i] for i in keep] for key, values in result.items()}
            results[position] = result
    return results
