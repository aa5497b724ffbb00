"""Tests for token_embedding_storage_type=row_sparse: lazy row-wise optimizer updates."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_o2v import HyperparameterError, Hyperparameters, Object2Vec
from keras_o2v.optimizers import LazyAdagrad, LazyAdam, LazySGD, unique_rows
from tests.harness import SCRIPTS, subprocess_env

LAZY_AND_DENSE = {
    "adam": (LazyAdam, keras.optimizers.Adam, {}),
    "amsgrad": (LazyAdam, keras.optimizers.Adam, {"amsgrad": True}),
    "adagrad": (LazyAdagrad, keras.optimizers.Adagrad, {}),
    "sgd": (LazySGD, keras.optimizers.SGD, {}),
    "sgd_momentum": (LazySGD, keras.optimizers.SGD, {"momentum": 0.9}),
    "sgd_nesterov": (LazySGD, keras.optimizers.SGD, {"momentum": 0.9, "nesterov": True}),
}


def sparse_grad(rows, seed, dim=3, vocab=8):
    values = np.random.default_rng(seed).normal(size=(len(rows), dim)).astype("float32")
    return tf.IndexedSlices(tf.constant(values), tf.constant(rows, tf.int64),
                            tf.constant([vocab, dim], tf.int64))


def run_steps(optimizer, grads, vocab=8, dim=3):
    variable = keras.Variable(np.random.default_rng(0).normal(size=(vocab, dim)).astype("float32"))
    for grad in grads:
        optimizer.apply([grad], [variable])
    slots = [np.asarray(v) for v in optimizer.variables[2:]]
    return np.asarray(variable), slots


def test_unique_rows_sums_repeated_ids():
    rows, values = unique_rows(tf.IndexedSlices(tf.constant([[1.0], [2.0], [4.0]]),
                                                tf.constant([5, 2, 5])))
    assert dict(zip(rows.numpy().tolist(), values.numpy()[:, 0].tolist())) == {5: 5.0, 2: 2.0}


@pytest.mark.parametrize("name", sorted(LAZY_AND_DENSE))
def test_only_touched_rows_and_their_slots_change(name):
    lazy_class, _, options = LAZY_AND_DENSE[name]
    optimizer = lazy_class(learning_rate=0.1, weight_decay=0.05, **options)
    first, first_slots = run_steps(optimizer, [sparse_grad([1, 3, 3], 1)])
    # Continue the same optimizer with a step touching rows 3 and 5 only.
    variable = optimizer._trainable_variables[0]
    optimizer.apply([sparse_grad([3, 5], 2)], [variable])
    second = np.asarray(variable)
    second_slots = [np.asarray(v) for v in optimizer.variables[2:]]
    untouched = [0, 1, 2, 4, 6, 7]
    np.testing.assert_array_equal(second[untouched], first[untouched])
    for before, after in zip(first_slots, second_slots):
        np.testing.assert_array_equal(after[untouched], before[untouched])
    assert not np.array_equal(second[[3, 5]], first[[3, 5]])


@pytest.mark.parametrize("name", sorted(LAZY_AND_DENSE))
def test_lazy_equals_dense_when_every_row_is_touched(name):
    lazy_class, dense_class, options = LAZY_AND_DENSE[name]
    grads = [sparse_grad([0, 1, 2, 3, 4, 5, 6, 7, 2, 5], seed) for seed in range(3)]
    lazy, lazy_slots = run_steps(lazy_class(learning_rate=0.1, weight_decay=0.05, **options), grads)
    # The dense reference gets the densified gradient (repeated ids summed).
    dense, dense_slots = run_steps(dense_class(learning_rate=0.1, weight_decay=0.05, **options),
                                   [tf.convert_to_tensor(g) for g in grads])
    np.testing.assert_allclose(lazy, dense, rtol=1e-5, atol=1e-5)
    for a, b in zip(lazy_slots, dense_slots):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(LAZY_AND_DENSE))
def test_dense_gradients_use_the_parent_rule(name):
    lazy_class, dense_class, options = LAZY_AND_DENSE[name]
    grad = tf.constant(np.random.default_rng(3).normal(size=(8, 3)).astype("float32"))
    lazy, lazy_slots = run_steps(lazy_class(learning_rate=0.1, weight_decay=0.05, **options),
                                 [grad, grad])
    dense, dense_slots = run_steps(dense_class(learning_rate=0.1, weight_decay=0.05, **options),
                                   [grad, grad])
    # LazyAdam's dense update is TensorFlow's fused kernel: Keras' formulas, but 1 - beta_2
    # is rounded to float32 there (about 6e-6 of each 0.1 step: 1e-6).
    np.testing.assert_allclose(lazy, dense, rtol=1e-5, atol=3e-6)
    for a, b in zip(lazy_slots, dense_slots):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def row_sparse_hp(**overrides):
    values = {"enc0_max_seq_len": 4, "enc0_vocab_size": 40, "enc0_network": "pooled_embedding",
              "enc0_token_embedding_dim": 4, "mlp_dim": 8, "mlp_layers": 1,
              "token_embedding_storage_type": "row_sparse", "learning_rate": 0.05}
    values.update(overrides)
    return Hyperparameters(**values)


BATCH = ({"in0": np.array([[1, 2, 0, 0], [3, 2, 0, 0]]), "in1": np.array([[7, 0, 0, 0], [8, 9, 0, 0]])},
         np.array([0, 1]))


@pytest.mark.parametrize("optimizer", ["adam", "adagrad", "sgd"])
def test_model_step_changes_only_the_rows_of_the_batch(optimizer):
    model = Object2Vec(row_sparse_hp(optimizer=optimizer, weight_decay=0.01))
    model.compile()
    assert type(model.optimizer).__name__.startswith("Lazy")
    table0, table1 = (t.embeddings for t in model.token_embeddings)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(BATCH[0]))
    assert all(isinstance(g, tf.IndexedSlices) for g in tape.gradient(loss, [table0, table1]))
    before = [np.asarray(table0), np.asarray(table1)]
    model.train_on_batch(*BATCH)
    for table, old, touched in ((table0, before[0], [0, 1, 2, 3]), (table1, before[1], [0, 7, 8, 9])):
        new = np.asarray(table)
        untouched = [row for row in range(40) if row not in touched]
        np.testing.assert_array_equal(new[untouched], old[untouched])
        assert not np.array_equal(new[touched[1:]], old[touched[1:]])


def test_row_sparse_model_round_trips_with_its_optimizer_state(tmp_path):
    model = Object2Vec(row_sparse_hp(tied_token_embedding_weight=True))
    model.compile()
    model.train_on_batch(*BATCH)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.optimizer, LazyAdam)
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    model.train_on_batch(*BATCH)
    loaded.train_on_batch(*BATCH)
    np.testing.assert_allclose(loaded.predict(BATCH[0], verbose=0),
                               model.predict(BATCH[0], verbose=0), atol=1e-6)


@pytest.mark.parametrize("optimizer", ["rmsprop", "adadelta"])
def test_row_sparse_refuses_optimizers_without_a_lazy_rule(optimizer):
    with pytest.raises(HyperparameterError, match="row_sparse.*adam, adagrad, sgd"):
        row_sparse_hp(optimizer=optimizer)


@pytest.mark.large  # about 30 s on 2 shared cores: a subprocess with 2 logical CPUs
def test_mirrored_strategy_on_two_logical_cpus_matches_one_device():
    env = subprocess_env()
    script = os.path.join(SCRIPTS, "row_sparse_on_logical_cpus.py")
    done = subprocess.run([sys.executable, script], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "SAME" in done.stdout, done.stdout
