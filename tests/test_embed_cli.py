
import numpy as np
import pytest

from keras_o2v import Hyperparameters, Object2Vec
from keras_o2v.cli import main
from keras_o2v.neighbors import read_vectors
from tests.harness import read_jsonl, write_jsonl


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    hp = Hyperparameters(enc0_max_seq_len=5, enc0_vocab_size=20, enc1_vocab_size=30,
                         enc0_network="pooled_embedding", enc0_token_embedding_dim=8)
    model = Object2Vec(hp)
    model.save(folder / "model.keras")
    return folder, model


def test_embed_writes_vectors_in_order_with_ids(model_dir, tmp_path, capsys):
    folder, model = model_dir
    objects = tmp_path / "objects.jsonl"
    objects.write_text('{"id": "a", "in0": [1, 2]}\n\n{"in1": [25]}\n{"id": 7, "in0": [3]}\n')
    out = tmp_path / "vectors.jsonl"
    assert main(["embed", "--model-dir", str(folder), "--input", str(objects),
                 "--output", str(out), "--batch-size", "2"]) == 0
    assert [sorted(line) for line in read_jsonl(out)] == [["embeddings", "id"]] * 3
    vectors = read_vectors(str(out))
    assert vectors.ids == ["a", 3, 7]
    np.testing.assert_allclose(vectors.vectors[0], model.embed(in0=[[1, 2]])[0], atol=1e-6)
    np.testing.assert_allclose(vectors.vectors[1], model.embed(in1=[[25]])[0], atol=1e-6)
    np.testing.assert_allclose(vectors.vectors[2], model.embed(in0=[[3]])[0], atol=1e-6)
    assert "Wrote 3 vectors" in capsys.readouterr().out


def test_embed_reports_every_bad_line_and_writes_nothing(model_dir, tmp_path, capsys):
    folder, _ = model_dir
    objects = tmp_path / "bad.jsonl"
    lines = ['{"in0": [1]}', '{"in0": [25]}', '{"in0": [1], "in1": [2]}', 'nope', '{"in1": []}',
             '"in0"']
    objects.write_text("\n".join(lines) + "\n")
    out = tmp_path / "vectors.jsonl"
    assert main(["embed", "--model-dir", str(folder), "--input", str(objects),
                 "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "bad.jsonl:2: 'in0' id 25 is out of vocabulary (not less than enc0_vocab_size=20)" in err
    assert "bad.jsonl:3: give exactly one of 'in0' or 'in1'" in err
    assert "bad.jsonl:4: malformed JSON" in err
    assert "bad.jsonl:5: 'in1' is empty" in err
    assert "bad.jsonl:6: expected a JSON object, got str" in err
    assert "bad.jsonl:1" not in err and not out.exists()


def test_embed_one_side_of_a_pairs_channel_writes_embeddings_too(model_dir, tmp_path):
    folder, model = model_dir
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"label": 1, "in0": [1], "in1": [i]}
                                                   for i in (5, 7, 5)])
    out = tmp_path / "items.jsonl"
    assert main(["embed", "--model-dir", str(folder), "--pairs", pairs, "--side", "in1",
                 "--output", str(out)]) == 0
    lines = read_jsonl(out)
    assert [line["id"] for line in lines] == [5, 7] and all("embeddings" in line for line in lines)
    np.testing.assert_allclose([line["embeddings"] for line in lines],
                               model.embed(in1=[[5], [7]]), atol=1e-6)
