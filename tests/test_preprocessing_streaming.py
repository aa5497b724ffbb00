"""Raw-data preparation streams: records are never materialised in memory."""

import itertools
import json
import tracemalloc

from keras_o2v.preprocessing import InputSpec, PairEncoder, prepare_pairs, read_raw_records

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]


def raw_line(i):
    text0 = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(6))
    return json.dumps({"in0": text0, "in1": f"item{i % 50}", "label": i % 2})


def test_reader_and_encoder_consume_a_200k_line_generator_lazily():
    pulled = []

    def lines():
        for i in range(200_000):
            pulled.append(i)
            yield i + 1, raw_line(i), None

    encoder = PairEncoder(
        [InputSpec("in0", "in0", "text", "v"), InputSpec("in1", "in1", "category", "m")],
        maps={"v": {"<pad>": 0, "<unk>": 1, "alpha": 2}, "m": {"<pad>": 0, "<unk>": 1, "item3": 2}},
    )
    encoded = (encoder.encode(r)[0] for r in read_raw_records(lines(), "jsonl"))
    first = list(itertools.islice(encoded, 5))
    assert len(pulled) == 5
    assert first[0] == {"label": 0, "in0": [2, 1, 1, 1, 1, 1], "in1": [1]}
    assert first[3]["in1"] == [2]


def test_prepare_pairs_peak_memory_does_not_grow_with_records(tmp_path):
    n = 15_000
    raw = tmp_path / "raw.jsonl"
    with raw.open("w") as handle:
        for i in range(n):
            handle.write(raw_line(i) + "\n")
    out = tmp_path / "train.jsonl"
    # A first call pays the one-time costs (TensorFlow's first string ops, lazy imports).
    small = tmp_path / "small.jsonl"
    small.write_text(raw_line(0) + "\n")
    prepare_pairs(small, tmp_path / "small-out.jsonl", vocab_path=tmp_path / "small-vocab.json",
                  in1_type="category", id_map_dir=tmp_path / "small")
    tracemalloc.start()
    try:
        report = prepare_pairs(raw, out, vocab_path=tmp_path / "vocab.json", in1_type="category")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.records == n
    # The raw file is ~1.1 MB and holding the n encoded records would take several MB;
    # the two passes keep only the token and key counts.
    assert raw.stat().st_size > 1_000_000
    assert peak < 500_000, peak
    with out.open() as handle:
        written = sum(1 for _ in handle)
    assert written == n
    items = {i: key for key, i in json.loads((tmp_path / "in1.ids.json").read_text()).items()}
    assert items[json.loads(out.read_text().splitlines()[-1])["in1"][0]] == f"item{(n - 1) % 50}"
