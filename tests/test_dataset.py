import json
import os
import tracemalloc

import numpy as np

from keras_o2v import Hyperparameters, make_dataset
from keras_o2v.data import iter_chunks
from tests.harness import write_jsonl


def hp(**overrides):
    return Hyperparameters(**{"enc0_max_seq_len": 4, "enc0_vocab_size": 100,
                              "mini_batch_size": 4, **overrides})


def records(n, seed=0):
    rng = np.random.default_rng(seed)
    return [{"label": int(i % 2), "in0": [int(t) for t in rng.integers(1, 100, rng.integers(1, 7))],
             "in1": [int(t) for t in rng.integers(1, 100, rng.integers(1, 3))]} for i in range(n)]


def collect(dataset):
    rows = []
    for features, labels in dataset:
        for in0, in1, label in zip(features["in0"].numpy(), features["in1"].numpy(), labels.numpy()):
            rows.append((tuple(int(t) for t in in0 if t), tuple(int(t) for t in in1 if t), label.item()))
    return rows


def expected_rows(data, max_len=4):
    return [(tuple(r["in0"][:max_len]), tuple(r["in1"][:max_len]), r["label"]) for r in data]


def test_eval_dataset_is_ordered_padded_and_truncated(tmp_path):
    data = records(10)
    dataset = make_dataset(write_jsonl(tmp_path / "v.jsonl", data), hp(), training=False)
    batches = list(dataset)
    assert [len(labels) for _, labels in batches] == [4, 4, 2]
    for features, _ in batches:
        for key in ("in0", "in1"):
            ids = features[key].numpy()
            assert ids.dtype == np.int64 and ids.shape[1] <= 4
            # right-padded: once a 0 appears, only zeros follow
            assert all((np.diff((row == 0).astype(int)) >= 0).all() for row in ids)
    assert collect(dataset) == expected_rows(data)


def test_training_dataset_shuffles_and_keeps_every_record(tmp_path):
    data = records(64)
    path = write_jsonl(tmp_path / "t.jsonl", data)
    first, second = collect(make_dataset(path, hp(), seed=1)), collect(make_dataset(path, hp(), seed=2))
    assert sorted(first) == sorted(expected_rows(data)) == sorted(second)
    assert first != expected_rows(data) and first != second


def test_negative_sampling_adds_fresh_negatives_on_train_only(tmp_path):
    data = [{"label": 1, "in0": [i], "in1": [i + 50]} for i in range(1, 41)]
    path = write_jsonl(tmp_path / "pos.jsonl", data)
    dataset = make_dataset(path, hp(negative_sampling_rate=3), seed=0)
    epoch1, epoch2 = collect(dataset), collect(dataset)
    for rows in (epoch1, epoch2):
        positives = [r for r in rows if r[2] == 1]
        negatives = [r for r in rows if r[2] == 0]
        assert sorted(positives) == sorted(expected_rows(data))
        assert len(negatives) == 3 * len(data)
        # negatives re-pair objects: in0 and in1 come from the data, never from the same positive
        assert all(n[1][0] - 50 != n[0][0] and 1 <= n[1][0] - 50 <= 40 for n in negatives)
    assert sorted(epoch1) != sorted(epoch2)
    assert len(collect(make_dataset(path, hp(negative_sampling_rate=3), training=False))) == 40


def test_bucketing_groups_similar_lengths(tmp_path):
    data = [{"label": 0, "in0": [1] * length, "in1": [1]} for length in [1, 8, 1, 8, 1, 8, 1, 8] * 4]
    path = write_jsonl(tmp_path / "b.jsonl", data)
    dataset = make_dataset(path, hp(enc0_max_seq_len=8, bucket_width=2), seed=0)
    widths = [features["in0"].shape[1] for features, _ in dataset]
    assert sorted(set(widths)) == [1, 8]
    assert sum(len(labels) for _, labels in dataset) == len(data)


def test_row_sparse_switches_bucketing_off(tmp_path):
    data = [{"label": 0, "in0": [1] * length, "in1": [1]} for length in [1, 8] * 16]
    path = write_jsonl(tmp_path / "b.jsonl", data)
    settings = hp(enc0_max_seq_len=8, bucket_width=2, token_embedding_storage_type="row_sparse")
    assert settings.bucket_width == 2 and settings.effective_bucket_width == 0
    widths = [features["in0"].shape[1] for features, _ in make_dataset(path, settings, seed=0,
                                                                       batch_size=4)]
    assert widths == [8] * 8  # every batch mixes lengths: no grouping by length


def test_regression_labels_are_float_columns(tmp_path):
    data = [{"label": 3.5, "in0": [1], "in1": [2]}, {"label": -1.0, "in0": [3], "in1": [4]}]
    path = write_jsonl(tmp_path / "r.jsonl", data)
    (_, labels), = list(make_dataset(path, hp(output_layer="mean_squared_error"), training=False))
    assert labels.dtype.name == "float32" and labels.numpy().tolist() == [[3.5], [-1.0]]


def test_large_file_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "big.jsonl"
    line_count = 150_000
    with open(path, "w") as f:
        for i in range(line_count):
            f.write(json.dumps({"label": i % 2, "in0": [1 + i % 97, 2, 3], "in1": [5 + i % 89]}) + "\n")
    size = os.path.getsize(path)
    tracemalloc.start()
    seen = sum(len(chunk) for chunk in iter_chunks(str(path), hp(), chunk_size=2048))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seen == line_count
    # The whole file as Python records would take many times its size; chunks stay small.
    assert peak < size / 5, (peak, size)
    counted = sum(int(labels.shape[0]) for _, labels in make_dataset(
        str(path), hp(mini_batch_size=4096), shuffle_buffer_size=4096))
    assert counted == line_count


def test_small_channels_are_parsed_once_large_ones_stream(tmp_path, monkeypatch):
    from keras_o2v.data import dataset as dataset_module

    data = [{"label": 1, "in0": [1 + i % 9], "in1": [2 + i % 7]} for i in range(50)]
    path = write_jsonl(tmp_path / "c.jsonl", data)
    reads = []
    real_iter_chunks = dataset_module.iter_chunks
    monkeypatch.setattr(dataset_module, "iter_chunks",
                        lambda *args, **kwargs: reads.append(1) or real_iter_chunks(*args, **kwargs))
    cached = make_dataset(path, hp(negative_sampling_rate=1), seed=0, batch_size=16)
    epochs = [collect(cached) for _ in range(3)]
    assert len(reads) == 1  # parsed on the first pass only
    for rows in epochs:  # every epoch: all positives, fresh negatives, new order
        assert sorted(r for r in rows if r[2] == 1) == sorted(expected_rows(data))
        assert len(rows) == 100
    assert epochs[0] != epochs[1]
    streamed = make_dataset(path, hp(), seed=0, batch_size=16, cache_max_bytes=0)
    collect(streamed), collect(streamed)
    assert len(reads) == 3
