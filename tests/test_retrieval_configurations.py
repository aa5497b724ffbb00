"""Retrieval mode with every encoder, tied tables, row_sparse storage and frozen pretrained vectors."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_o2v import Hyperparameters, Object2Vec
from keras_o2v.optimizers.lazy import LazyAdagrad
from keras_o2v.pretrained import initialise_token_tables

USED = np.arange(1, 13)  # ids 13..19 never occur in the data
VECTORS = {i: np.random.default_rng(i).normal(size=4).round(6) for i in (1, 2, 3, 5, 8)}


def write_auxiliary(folder):
    """vocab.json (token "tN" -> id N) and a GloVe text file with `VECTORS`."""
    folder.mkdir()
    vocab = {"<pad>": 0, **{f"t{i}": i for i in range(1, 20)}}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "glove.txt").write_text("".join(
        f"t{i} " + " ".join(f"{x:.6f}" for x in vector) + "\n" for i, vector in VECTORS.items()))
    return str(folder)


def data(seed=0, n=64, length=3):
    """in1 = in0 shifted by one group: a structure each encoder can learn."""
    rng = np.random.default_rng(seed)
    in0 = rng.choice(USED, size=(n, length))
    in1 = (in0 % 12) + 1
    in1[:, 1:] = 0 if length > 1 and rng.random() < 0.5 else in1[:, 1:]
    return tf.data.Dataset.from_tensor_slices(({"in0": in0, "in1": in1}, np.ones(n))).batch(16)


def fit(hp, dataset, run_eagerly=False):
    keras.utils.set_random_seed(0)
    model = Object2Vec(hp)
    model.adapt(dataset)
    model.compile(run_eagerly=run_eagerly)
    return model, model.fit(dataset, epochs=2, verbose=0).history["loss"]


BASE = dict(enc0_max_seq_len=3, enc0_vocab_size=20, enc0_token_embedding_dim=8, enc_dim=8,
            training_objective="retrieval", learning_rate=0.05, mini_batch_size=16)


@pytest.mark.parametrize("network, negatives", [("hcnn", "in_batch"), ("bilstm", "in_batch"),
                                                ("pooled_embedding", "sampled")])
def test_every_encoder_learns(network, negatives):
    sampled = {"retrieval_sampled_negatives": 6, "enc1_max_seq_len": 1} \
        if negatives == "sampled" else {}
    hp = Hyperparameters(**BASE, enc0_network=network, enc0_layers=1,
                         enc1_network="pooled_embedding", enc1_token_embedding_dim=8,
                         retrieval_negatives=negatives, **sampled)
    # eagerly: the same steps, without tracing a recurrent graph (seconds on 2 cores)
    _, losses = fit(hp, data(), run_eagerly=network != "pooled_embedding")
    assert np.isfinite(losses).all() and losses[-1] < losses[0] - 0.05


def test_tied_tables_and_the_full_softmax():
    hp = Hyperparameters(**BASE, enc0_network="pooled_embedding", tied_token_embedding_weight=True,
                         enc1_max_seq_len=1)
    assert hp.negatives == "full"
    model, losses = fit(hp, data())
    assert model.token_embeddings[0] is model.token_embeddings[1]
    assert losses[-1] < losses[0] - 0.1


def test_row_sparse_updates_only_the_rows_of_the_batch():
    hp = Hyperparameters(**BASE, enc0_network="pooled_embedding", optimizer="adagrad",
                         token_embedding_storage_type="row_sparse",
                         retrieval_negatives="in_batch")
    keras.utils.set_random_seed(0)
    initial = Object2Vec(hp).get_weights()
    model, losses = fit(hp, data())
    assert isinstance(model.optimizer, LazyAdagrad) and losses[-1] < losses[0]
    for side in (0, 1):
        table = keras.ops.convert_to_numpy(model.token_embeddings[side].embeddings)
        before = initial[side]
        np.testing.assert_array_equal(table[13:], before[13:])
        assert not np.allclose(table[USED], before[USED])


def test_frozen_pretrained_vectors_stay_fixed(tmp_path):
    auxiliary = write_auxiliary(tmp_path / "aux")
    hp = Hyperparameters(**{**BASE, "enc0_token_embedding_dim": 4}, enc0_network="pooled_embedding",
                         enc0_vocab_file="vocab.json",
                         enc0_pretrained_embedding_file="glove.txt", retrieval_negatives="in_batch")
    keras.utils.set_random_seed(0)
    model = Object2Vec(hp)
    initialise_token_tables(model, auxiliary)
    model.adapt(data())
    model.compile()
    losses = model.fit(data(), epochs=2, verbose=0).history["loss"]
    table = keras.ops.convert_to_numpy(model.token_embeddings[0].embeddings)
    np.testing.assert_allclose(table[sorted(VECTORS)], [VECTORS[i] for i in sorted(VECTORS)],
                               atol=1e-6)
    assert np.isfinite(losses).all()
