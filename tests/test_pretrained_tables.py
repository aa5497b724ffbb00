"""Tests for pretrained token vectors: loading into the tables, freezing, tying, errors."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_o2v import DataError, HyperparameterError, Hyperparameters, Object2Vec
from keras_o2v.cli import main
from keras_o2v.pretrained import initialise_token_tables
from keras_o2v.training import train
from tests.harness import write_jsonl

VOCAB_SIZE = 20
DIM = 4


def write_auxiliary(folder, vectors, vocab=None, name="glove.txt"):
    """Writes vocab.json (token "tN" -> id N) and a GloVe file with `vectors` {id: vector}."""
    folder.mkdir(exist_ok=True)
    vocab = vocab or {"<pad>": 0, **{f"t{i}": i for i in range(1, VOCAB_SIZE)}}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    lines = [f"t{i} " + " ".join(x if isinstance(x, str) else f"{x:.6f}" for x in vector)
             for i, vector in vectors.items()]
    (folder / name).write_text("\n".join(lines) + "\n")
    return str(folder)


def pretrained_hp(**overrides):
    values = {"enc0_max_seq_len": 4, "enc0_vocab_size": VOCAB_SIZE,
              "enc0_network": "pooled_embedding", "enc0_token_embedding_dim": DIM, "mlp_dim": 8,
              "mlp_layers": 1, "enc0_vocab_file": "vocab.json",
              "enc0_pretrained_embedding_file": "glove.txt", "learning_rate": 0.05,
              "weight_decay": 0.01}
    values.update(overrides)
    return Hyperparameters(**values)


VECTORS = {i: np.random.default_rng(i).normal(size=DIM).round(6) for i in (1, 2, 3, 5, 8)}
FOUND = sorted(VECTORS)
BATCH = ({"in0": np.array([[1, 2, 4, 0], [3, 6, 0, 0]]), "in1": np.array([[5, 7, 0, 0], [8, 9, 0, 0]])},
         np.array([0, 1]))


def table(model, side=0):
    return keras.ops.convert_to_numpy(model.token_embeddings[side].embeddings)


def test_found_rows_get_the_vectors_others_keep_random_init(tmp_path, capsys):
    model = Object2Vec(pretrained_hp(enc1_pretrained_embedding_file=""))
    before = table(model)
    counts = initialise_token_tables(model, write_auxiliary(tmp_path / "aux", VECTORS))
    assert counts == {0: 5}
    assert "enc0: 5 of 19 vocabulary tokens have a pretrained vector in glove.txt (26.3%)" in \
        capsys.readouterr().out
    after = table(model)
    np.testing.assert_allclose(after[FOUND], np.array([VECTORS[i] for i in FOUND]), atol=1e-6)
    missing = [i for i in range(VOCAB_SIZE) if i not in FOUND]
    np.testing.assert_array_equal(after[missing], before[missing])
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(model.token_embeddings[0].frozen_rows),
        np.isin(np.arange(VOCAB_SIZE), FOUND).astype("float32"))
    assert not model.token_embeddings[1].freeze_rows  # enc1 names no file


@pytest.mark.parametrize("storage", ["dense", "row_sparse"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_frozen_pretrained_rows_do_not_move_and_the_others_train(tmp_path, storage, optimizer):
    model = Object2Vec(pretrained_hp(token_embedding_storage_type=storage, optimizer=optimizer,
                                     tied_token_embedding_weight=True))
    initialise_token_tables(model, write_auxiliary(tmp_path / "aux", VECTORS), verbose=False)
    model.compile()
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(BATCH[0]))
    gradient = tape.gradient(loss, model.token_embeddings[0].embeddings)
    assert isinstance(gradient, tf.IndexedSlices)  # the frozen mask keeps the gradient sparse
    np.testing.assert_array_equal(tf.convert_to_tensor(gradient).numpy()[FOUND], 0.0)
    before = table(model)
    for _ in range(3):
        model.train_on_batch(*BATCH)
    after = table(model)
    np.testing.assert_array_equal(after[FOUND], before[FOUND])
    trainable_seen = [4, 6, 7, 9]
    assert (after[trainable_seen] != before[trainable_seen]).all(axis=1).all()


def test_freeze_false_lets_pretrained_rows_train(tmp_path):
    model = Object2Vec(pretrained_hp(enc0_freeze_pretrained_embedding=False,
                                     enc1_pretrained_embedding_file=""))
    assert not model.token_embeddings[0].freeze_rows
    initialise_token_tables(model, write_auxiliary(tmp_path / "aux", VECTORS), verbose=False)
    model.compile()
    before = table(model)
    model.train_on_batch(*BATCH)
    assert (table(model)[[1, 2, 3]] != before[[1, 2, 3]]).any(axis=1).all()


def test_frozen_mask_survives_keras_save_and_load(tmp_path):
    model = Object2Vec(pretrained_hp())  # enc1 inherits the file: both tables loaded and frozen
    counts = initialise_token_tables(model, write_auxiliary(tmp_path / "aux", VECTORS),
                                     verbose=False)
    assert counts == {0: 5, 1: 5}
    model.compile()
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    for side in (0, 1):
        assert loaded.token_embeddings[side].freeze_rows
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(loaded.token_embeddings[side].frozen_rows),
            keras.ops.convert_to_numpy(model.token_embeddings[side].frozen_rows))
        np.testing.assert_array_equal(table(loaded, side), table(model, side))
    before = table(loaded, 1)
    loaded.train_on_batch(*BATCH)
    np.testing.assert_array_equal(table(loaded, 1)[FOUND], before[FOUND])


def test_tied_table_is_loaded_once_and_shared(tmp_path):
    model = Object2Vec(pretrained_hp(tied_token_embedding_weight=True))
    assert model.token_embeddings[0] is model.token_embeddings[1]
    counts = initialise_token_tables(model, write_auxiliary(tmp_path / "aux", VECTORS),
                                     verbose=False)
    assert counts == {0: 5, 1: 5}
    np.testing.assert_allclose(table(model)[FOUND], [VECTORS[i] for i in FOUND], atol=1e-6)


def test_tied_sides_naming_different_files_are_refused():
    with pytest.raises(HyperparameterError, match="enc0_pretrained_embedding_file=glove.txt and "
                                                  "enc1_pretrained_embedding_file=other.txt"):
        pretrained_hp(tied_token_embedding_weight=True, enc1_pretrained_embedding_file="other.txt")
    with pytest.raises(HyperparameterError, match="freeze_pretrained_embedding"):
        pretrained_hp(tied_token_embedding_weight=True, enc1_freeze_pretrained_embedding=False)


def test_tied_with_one_side_naming_a_file_loads_the_shared_table(tmp_path):
    model = Object2Vec(pretrained_hp(tied_token_embedding_weight=True, enc1_network="pooled_embedding",
                                     enc1_token_embedding_dim=DIM))
    assert model.hyperparameters.encoder(1).pretrained_embedding_file == ""
    assert initialise_token_tables(model, write_auxiliary(tmp_path / "aux", VECTORS),
                                   verbose=False) == {0: 5}
    assert model.token_embeddings[1].freeze_rows


def test_pretrained_file_without_vocab_file_is_refused():
    with pytest.raises(HyperparameterError, match="needs enc0_vocab_file"):
        pretrained_hp(enc0_vocab_file="")


def test_wrong_dimension_names_file_line_and_hyperparameter(tmp_path):
    model = Object2Vec(pretrained_hp())
    aux = write_auxiliary(tmp_path / "aux", {1: [0.1, 0.2, 0.3]})
    with pytest.raises(DataError, match=r"glove.txt:1: vector has 3 values, expected 4.*"
                                        r"enc0_token_embedding_dim=4"):
        initialise_token_tables(model, aux)


def test_vocab_id_out_of_range_and_missing_file_are_named(tmp_path):
    model = Object2Vec(pretrained_hp())
    aux = write_auxiliary(tmp_path / "aux", VECTORS, vocab={"t1": 1, "big": VOCAB_SIZE})
    with pytest.raises(DataError, match=r"vocab.json.*'big' has id 20, not less than "
                                        r"vocab_size=20"):
        initialise_token_tables(model, aux)
    with pytest.raises(DataError, match="enc0_vocab_file=vocab.json is not a file"):
        initialise_token_tables(model, str(tmp_path / "empty"))


def test_bad_pretrained_file_surfaces_through_o2v_train(tmp_path, capsys):
    aux = write_auxiliary(tmp_path / "aux", {1: [0.1, 0.2, 0.3, 0.4], 2: [0.1, "x", 0.3, 0.4]})
    data = write_jsonl(tmp_path / "train.jsonl", [{"label": 1, "in0": [1], "in1": [2]}] * 4)
    code = main(["train", "--train", data, "--auxiliary", aux, "--model-dir",
                 str(tmp_path / "out"), "enc0_max_seq_len=1", f"enc0_vocab_size={VOCAB_SIZE}",
                 "enc0_network=pooled_embedding", f"enc0_token_embedding_dim={DIM}",
                 "enc0_vocab_file=vocab.json", "enc0_pretrained_embedding_file=glove.txt"])
    assert code == 1
    assert "glove.txt:2: cannot parse 'x' as a float (token 't2')" in capsys.readouterr().err


def group_task(seed, vocab_size=241, groups=4, dim=8):
    """Tokens in hidden groups; label 1 when both tokens share a group.

    The pretrained vectors cluster by group, so they carry the whole signal;
    a few hundred pairs are too few to learn 240 token groups from scratch.
    """
    rng = np.random.default_rng(seed)
    group = rng.integers(groups, size=vocab_size)
    centres = rng.normal(size=(groups, dim))
    vectors = {i: centres[group[i]] + rng.normal(scale=0.15, size=dim)
               for i in range(1, vocab_size) if rng.random() < 0.9}

    def pairs(n):
        records = []
        for _ in range(n):
            u = int(rng.integers(1, vocab_size))
            same = [t for t in range(1, vocab_size) if group[t] == group[u]]
            v = int(rng.choice(same)) if rng.random() < 0.5 else int(rng.integers(1, vocab_size))
            records.append({"label": int(group[u] == group[v]), "in0": [u], "in1": [v]})
        return records

    return vectors, pairs


def test_frozen_pretrained_table_beats_random_init_on_a_small_task(tmp_path):
    vectors, pairs = group_task(seed=5)
    aux = write_auxiliary(tmp_path / "aux", vectors)
    (tmp_path / "aux" / "vocab.json").write_text(
        json.dumps({"<pad>": 0, **{f"t{i}": i for i in range(1, 241)}}))
    channels = {"train": write_jsonl(tmp_path / "train.jsonl", pairs(400)),
                "validation": write_jsonl(tmp_path / "validation.jsonl", pairs(400))}
    hp = {"enc0_max_seq_len": 1, "enc0_vocab_size": 241, "enc0_network": "pooled_embedding",
          "enc0_token_embedding_dim": 8, "tied_token_embedding_weight": True, "mlp_dim": 32,
          "mlp_activation": "relu", "learning_rate": 0.01, "mini_batch_size": 32, "epochs": 3,
          "early_stopping_patience": 5, "weight_decay": 0.001,
          "token_embedding_storage_type": "row_sparse"}
    pretrained = train({**hp, "enc0_vocab_file": "vocab.json",
                        "enc0_pretrained_embedding_file": "glove.txt"},
                       model_dir=str(tmp_path / "pretrained"), auxiliary=aux, seed=1, verbose=0,
                       **channels)
    scratch = train(hp, model_dir=str(tmp_path / "scratch"), seed=1, verbose=0, **channels)
    best = [max(e["validation:accuracy"] for e in r.history) for r in (pretrained, scratch)]
    print("best validation accuracy, pretrained vs scratch:", best)
    assert best[0] > 0.85 and best[0] > best[1] + 0.15, best
    # The kept model (loaded from its checkpoint) still holds the file's vectors, frozen.
    found = sorted(vectors)
    np.testing.assert_allclose(table(pretrained.model)[found], [vectors[i] for i in found],
                               atol=1e-5)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(pretrained.model.token_embeddings[0].frozen_rows)[found], 1.0)
