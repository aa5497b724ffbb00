"""Groups instances of mixed modes into one padded batch per signature, and back."""

import dataclasses
from typing import Dict, List

import numpy as np

from keras_o2v.data.ragged_rows import pad_sequences
from keras_o2v.serving_contract import OUTPUT_KEYS, SIGNATURE_INPUTS


@dataclasses.dataclass
class SignatureBatch:
    """Instances of one mode, padded for one signature call.

    Args:
        signature: `serving_default`, `embed_in0` or `embed_in1`.
        inputs: input name -> int64 array `[n, longest]`, right-padded with 0.
        positions: index of each row in the original request.
    """

    signature: str
    inputs: Dict[str, np.ndarray]
    positions: List[int]

    @property
    def output_key(self):
        """The signature's output: `scores` or `embeddings`."""
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
            inputs = {name: pad_sequences([getattr(instances[p], name) for p in chunk])
                      for name in SIGNATURE_INPUTS[signature]}
            batches.append(SignatureBatch(signature, inputs, chunk))
    return batches


def assemble(count, batches, outputs):
    """Puts each batch's output rows back in request order.

    Args:
        count: number of instances in the request.
        batches: the `SignatureBatch`es from `plan_batches`.
        outputs: per batch, the output array (or nested list) `[n, width]`.

    Returns:
        A list of `{"scores": [...]}` / `{"embeddings": [...]}` dicts.
    """
    results = [None] * count
    for batch, output in zip(batches, outputs):
        rows = output.tolist() if isinstance(output, np.ndarray) else output
        if len(rows) != len(batch.positions):
            raise ValueError(f"{batch.signature} returned {len(rows)} rows for "
                             f"{len(batch.positions)} instances")
        for position, row in zip(batch.positions, rows):
            results[position] = {batch.output_key: row}
    return results
