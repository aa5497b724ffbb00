"""Repeated rows of a sparse gradient: keras_o2v's optimizers update as for the dense gradient."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_o2v import optimizers
from keras_o2v.models import Object2Vec

ROWS = tf.constant([4, 1, 4, 4, 0])  # row 4 three times, as an id repeated in a batch
VALUES = tf.constant(np.random.default_rng(0).normal(size=(5, 3)), tf.float32)
SPARSE = tf.IndexedSlices(VALUES, ROWS, tf.constant([6, 3]))
DENSE = tf.convert_to_tensor(SPARSE)  # sums the repeated rows
PAIRS = [("Adam", keras.optimizers.Adam), ("Adagrad", keras.optimizers.Adagrad),
         ("Adadelta", keras.optimizers.Adadelta), ("RMSprop", keras.optimizers.RMSprop)]
# TensorFlow's fused Adam kernel rounds 1 - beta_2 to float32 where Keras computes it in
# Python: the steps differ by about 6e-6 relative.
FUSED_RTOL = 2e-5


def run(optimizer, gradient, steps=3):
    variable = keras.Variable(np.ones((6, 3), np.float32))
    for _ in range(steps):
        optimizer.apply([gradient], [variable])
    return keras.ops.convert_to_numpy(variable)


@pytest.mark.parametrize("name, parent", PAIRS)
def test_a_sparse_gradient_with_repeated_rows_updates_like_its_dense_sum(name, parent):
    ours = getattr(optimizers, f"SummedRows{name}")
    assert issubclass(ours, parent)
    np.testing.assert_allclose(run(ours(learning_rate=0.1), SPARSE),
                               run(parent(learning_rate=0.1), DENSE), rtol=FUSED_RTOL, atol=1e-6)


@pytest.mark.parametrize("options", [{}, {"amsgrad": True}, {"weight_decay": 0.1},
                                     {"amsgrad": True, "weight_decay": 0.1}])
@pytest.mark.parametrize("gradient", ["sparse", "dense"])
def test_fused_adam_gives_keras_adams_update_and_state(options, gradient):
    steps = [tf.IndexedSlices(VALUES * (k + 1), ROWS, tf.constant([6, 3])) for k in range(4)]
    if gradient == "dense":
        steps = [tf.convert_to_tensor(g) for g in steps]
    ours = optimizers.SummedRowsAdam(learning_rate=0.05, **options)
    keras_adam = keras.optimizers.Adam(learning_rate=0.05, **options)
    weights = []
    for optimizer, grads in ((ours, steps), (keras_adam, [tf.convert_to_tensor(g) for g in steps])):
        variable = keras.Variable(np.linspace(-1, 1, 18, dtype="float32").reshape(6, 3))
        for grad in grads:
            optimizer.apply([grad], [variable])
        weights.append(keras.ops.convert_to_numpy(variable))
    np.testing.assert_allclose(weights[0], weights[1], rtol=FUSED_RTOL, atol=1e-6)
    assert len(ours.variables) == len(keras_adam.variables)  # the same slots
    for a, b in zip(ours.variables, keras_adam.variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=FUSED_RTOL, atol=1e-6)


@pytest.mark.parametrize("amsgrad, kernel", [(False, "ResourceApplyAdam"),
                                             (True, "ResourceApplyAdamWithAmsgrad")])
def test_adam_runs_in_tensorflows_fused_kernel(amsgrad, kernel):
    optimizer = optimizers.SummedRowsAdam(learning_rate=0.1, amsgrad=amsgrad)
    variable = keras.Variable(np.ones((6, 3), np.float32))
    optimizer.build([variable])
    graph = tf.function(lambda g: optimizer.apply([g], [variable])).get_concrete_function(
        tf.TensorSpec([6, 3], tf.float32)).graph
    types = [op.type for op in graph.get_operations()]
    assert types.count(kernel) == 1
    assert "AssignSubVariableOp" not in types  # no unfused update of the variable


def test_stock_keras_adam_squares_each_repeat_which_is_why_these_classes_exist():
    # If this starts failing, Keras sums repeated rows itself and the classes can go.
    stock = run(keras.optimizers.Adam(learning_rate=0.1), SPARSE)
    exact = run(keras.optimizers.Adam(learning_rate=0.1), DENSE)
    np.testing.assert_allclose(stock[[0, 1, 2, 3, 5]], exact[[0, 1, 2, 3, 5]], atol=1e-6)
    assert np.abs(stock[4] - exact[4]).max() > 1e-3  # only the repeated row is off


def test_keras_adam_state_continues_in_summed_rows_adam():
    variable = keras.Variable(np.ones((6, 3), np.float32))
    keras_adam = keras.optimizers.Adam(learning_rate=0.1)
    keras_adam.apply([DENSE], [variable])
    copy = keras.Variable(keras.ops.convert_to_numpy(variable))
    ours = optimizers.SummedRowsAdam(learning_rate=0.1)
    ours.build([copy])
    for mine, theirs in zip(ours.variables, keras_adam.variables):
        mine.assign(theirs)
    keras_adam.apply([DENSE * 2], [variable])
    ours.apply([tf.IndexedSlices(VALUES * 2, ROWS, SPARSE.dense_shape)], [copy])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(copy),
                               keras.ops.convert_to_numpy(variable), rtol=FUSED_RTOL, atol=1e-6)


def test_compiled_models_use_them_and_save_and_load_them(tmp_path):
    model = Object2Vec({"enc0_max_seq_len": 3, "enc0_vocab_size": 9,
                        "enc0_network": "pooled_embedding", "enc0_token_embedding_dim": 4,
                        "optimizer": "rmsprop", "output_layer": "mean_squared_error"})
    model.compile()
    assert type(model.optimizer) is optimizers.SummedRowsRMSprop
    ids = np.array([[1, 2, 2], [2, 2, 0]])
    model.fit({"in0": ids, "in1": ids}, np.array([1.0, 2.0]), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is optimizers.SummedRowsRMSprop
    np.testing.assert_allclose(loaded.predict({"in0": ids, "in1": ids}, verbose=0),
                               model.predict({"in0": ids, "in1": ids}, verbose=0), atol=1e-6)
