"""`o2v predict`: batch transform in order, bad lines reported by number, atomic output."""

import json

import numpy as np

from keras_o2v.cli import main as o2v
from keras_o2v.export import export_saved_model
from tests.harness import predict_scores, random_pairs, tiny_model, write_jsonl


def _read(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def test_predict_streams_in_order_and_reports_bad_lines(tmp_path, capsys):
    model = tiny_model("hcnn", seed=3)
    base = tmp_path / "o2v"
    export_saved_model(model, base)
    in0, in1 = random_pairs(7, seed=11, max_len=12)
    records = [{"in0": a, "in1": b} for a, b in zip(in0, in1)]
    records.insert(2, {"in1": in1[0]})
    records.insert(5, {"in0": [1, 999]})  # line 6: out of vocabulary
    path = write_jsonl(tmp_path / "in.jsonl", records)
    with open(path, "a") as f:
        f.write("not json\n")  # line 10
        f.write('{"in0": [4], "in1": [5], "label": 1}\n')
    out = tmp_path / "out.jsonl"
    code = o2v(["predict", "--model-base-path", str(base), "--input", path, "--output", str(out),
                "--batch-size", "3"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"{path}:6: 'in0' id 999 is out of vocabulary" in err
    assert f"{path}:10: malformed JSON" in err
    lines = _read(out)
    assert len(lines) == 11
    assert list(lines[2]) == ["embeddings"] and lines[5]["error"].startswith("line 6:")
    assert "error" in lines[9]
    scores = [lines[i]["scores"] for i in (0, 1, 3, 4, 6, 7, 8)]
    np.testing.assert_allclose(scores, predict_scores(model, in0, in1), atol=1e-5)
    np.testing.assert_allclose(lines[2]["embeddings"], model.embed(in1=[in1[0]])[0], atol=1e-5)
    np.testing.assert_allclose(lines[10]["scores"], predict_scores(model, [[4]], [[5]])[0], atol=1e-5)

    strict_out = tmp_path / "strict.jsonl"
    code = o2v(["predict", "--model-base-path", str(base), "--input", path,
                "--output", str(strict_out), "--strict"])
    assert code == 1 and not strict_out.exists()
    assert ":6:" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "o2v", "out.jsonl"]

    good = write_jsonl(tmp_path / "good.jsonl", records[:2])
    assert o2v(["predict", "--model-base-path", str(base), "--input", good,
                "--output", str(out)]) == 0
    assert len(_read(out)) == 2
    assert o2v(["predict", "--model-base-path", str(tmp_path / "none"), "--input", good,
                "--output", str(out)]) == 2
