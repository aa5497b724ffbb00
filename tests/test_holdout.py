"""`HoldOut`: validation pairs held out of the train channel, per record, while streaming."""

import numpy as np
import pytest

from keras_o2v import Hyperparameters
from keras_o2v.data.holdout import HoldOut
from keras_o2v.data.ragged_rows import concatenate, select
from keras_o2v.data.records import RecordChunk, iter_chunks
from tests.harness import write_jsonl

HP = Hyperparameters(enc0_max_seq_len=3, enc0_vocab_size=1000, enc1_max_seq_len=4,
                     enc1_vocab_size=1000)


def pair_chunk(n, seed=0):
    """`n` distinct random pairs of 1-5 ids per side, labels 0/1."""
    rng = np.random.default_rng(seed)
    lengths = [rng.integers(1, 6, n) for _ in (0, 1)]
    values = [rng.integers(1, 1000, int(length.sum())) for length in lengths]
    return RecordChunk(values[0], lengths[0], values[1], lengths[1], rng.integers(0, 2, n))


def rows(chunk):
    """The (in0, in1) id tuples of a chunk, in order."""
    out = []
    for side in ("in0", "in1"):
        values, lengths = getattr(chunk, f"{side}_values"), getattr(chunk, f"{side}_lengths")
        out.append([tuple(part) for part in np.split(values, np.cumsum(lengths)[:-1])])
    return list(zip(*out))


def test_about_the_fraction_is_held_out_and_the_seed_chooses_which():
    chunk = pair_chunk(20000)
    held = {seed: HoldOut(0.1, seed).is_held_out(chunk) for seed in (0, 1)}
    for mask in held.values():
        assert abs(mask.mean() - 0.1) < 0.01  # 5 standard deviations
    overlap = (held[0] & held[1]).sum() / held[0].sum()
    assert abs(overlap - 0.1) < 0.03  # independent splits share about 10 % of what they hold out
    assert not HoldOut(0.1, 0).is_held_out(pair_chunk(0)).size


def test_the_two_parts_partition_the_records_in_order():
    chunk = pair_chunk(500)
    holdout = HoldOut(0.3, seed=4)
    kept, held = holdout.split(chunk)
    mask = holdout.is_held_out(chunk)
    assert len(kept) + len(held) == len(chunk) and len(held) == mask.sum()
    assert rows(held) == [r for r, m in zip(rows(chunk), mask) if m]
    assert rows(holdout.validation().select(chunk)) == rows(held)
    assert rows(holdout.select(chunk)) == rows(kept)
    np.testing.assert_array_equal(held.labels, chunk.labels[mask])


def test_a_pair_is_on_one_side_wherever_it_occurs_and_whatever_its_label():
    chunk = pair_chunk(300)
    shuffled = select(chunk, np.random.default_rng(1).permutation(300))
    relabelled = RecordChunk(shuffled.in0_values, shuffled.in0_lengths, shuffled.in1_values,
                             shuffled.in1_lengths, 1 - shuffled.labels)
    holdout = HoldOut(0.5, seed=2)
    side = dict(zip(rows(chunk), holdout.is_held_out(chunk)))
    assert side == dict(zip(rows(relabelled), holdout.is_held_out(relabelled)))
    both = concatenate([chunk, relabelled])
    kept, held = holdout.split(both)
    assert not set(rows(kept)) & set(rows(held))


def test_order_and_position_of_ids_matter():
    # (in0, in1) = ((1, 2), (5,)), ((2, 1), (5,)), ((1,), (2, 5))
    chunk = RecordChunk(np.array([1, 2, 2, 1, 1]), np.array([2, 2, 1]),
                        np.array([5, 5, 2, 5]), np.array([1, 1, 2]), np.zeros(3, np.int64))
    hashes = [HoldOut(0.5, seed).is_held_out(chunk) for seed in range(64)]
    first, second, third = zip(*hashes)
    assert first != second  # (1, 2) and (2, 1) are other pairs
    assert first != third  # an id moved from in0 to in1 makes another pair


def test_streaming_chunk_by_chunk_gives_the_split_of_the_whole_file(tmp_path):
    chunk = pair_chunk(1000, seed=3)
    records = [{"label": int(label), "in0": list(map(int, a)), "in1": list(map(int, b))}
               for (a, b), label in zip(rows(chunk), chunk.labels)]
    path = write_jsonl(tmp_path / "train.jsonl", records)
    holdout = HoldOut(0.2, seed=9)
    streamed = [holdout.validation().select(c) for c in iter_chunks(path, HP, chunk_size=64)]
    whole = next(iter_chunks(path, HP, chunk_size=4096))
    assert rows(concatenate(streamed)) == rows(holdout.validation().select(whole))


@pytest.mark.parametrize("fraction", [0.0, 1e-9])
def test_a_tiny_fraction_holds_out_nothing(fraction):
    assert not HoldOut(fraction, 0).is_held_out(pair_chunk(1000)).any()
