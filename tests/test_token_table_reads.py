"""Token tables: read once per step (rows of the distinct ids only), same numbers as a gather."""

import collections

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_o2v import Hyperparameters, Object2Vec
from keras_o2v.hyperparameters import POOLINGS, WEIGHTED_POOLINGS
from keras_o2v.layers import PooledEmbeddingEncoder, TokenEmbedding
from keras_o2v.layers.unique_rows import sum_rows, take_rows
from keras_o2v.optimizers import make_optimizer, updates_rows_only

IN0 = np.array([[3, 5, 3, 0], [7, 3, 0, 0]])
IN1 = np.array([[5, 9, 0], [2, 2, 2]])


def doc_hp(storage, **overrides):
    """SageMaker's document network, tiny: pooled, tied table, hadamard, relu MLP."""
    values = dict(enc0_max_seq_len=4, enc0_vocab_size=12, enc0_network="pooled_embedding",
                  enc0_token_embedding_dim=6, tied_token_embedding_weight=True,
                  comparator_list="hadamard", mlp_layers=2, mlp_dim=8, mlp_activation="relu",
                  dropout=0.4, token_embedding_storage_type=storage)
    values.update(overrides)
    return Hyperparameters(**values)


def ops_on_variable(model, variable, batch):
    """Op types (with counts) using `variable`'s handle in the traced `model.train_step`."""
    spec = tf.nest.map_structure(lambda a: tf.TensorSpec([None, None] if a.ndim == 2 else [None],
                                                         tf.as_dtype(a.dtype)), batch)
    graph = tf.function(model.train_step).get_concrete_function(spec).graph
    handle = variable.value.handle
    inside = [internal for external, internal in graph.captures if external is handle]
    assert len(inside) == 1
    return collections.Counter(op.type for op in inside[0].consumers())


def test_a_tied_row_sparse_table_is_gathered_once_per_step_and_never_read_whole():
    model = Object2Vec(doc_hp("row_sparse"))
    model.compile()
    table = model.token_embeddings[0].embeddings
    uses = ops_on_variable(model, table, ({"in0": IN0, "in1": IN1[:, :2]}, np.array([0, 1])))
    assert uses["ResourceGather"] == 1  # both sides' distinct ids, in one gather
    assert uses["ReadVariableOp"] == 0  # never the whole table (copy-on-read after a scatter)
    assert uses["ResourceScatterSub"] == 1  # the lazy update of the touched rows


def test_a_dense_table_is_read_once_per_step_and_updated_by_the_fused_kernel():
    model = Object2Vec(doc_hp("dense"))
    model.compile()
    table = model.token_embeddings[0].embeddings
    uses = ops_on_variable(model, table, ({"in0": IN0, "in1": IN1[:, :2]}, np.array([0, 1])))
    assert uses["ReadVariableOp"] == 1 and uses["ResourceGather"] == 0
    assert uses["ResourceApplyAdam"] == 1


@pytest.mark.parametrize("storage, optimizer", [
    ("dense", "adam"), ("dense", "adagrad"), ("dense", "sgd"), ("dense", "rmsprop"),
    ("dense", "adadelta"), ("row_sparse", "adam"), ("row_sparse", "adagrad")])
def test_updates_rows_only_says_which_optimizers_scatter_into_a_table(storage, optimizer):
    hp = doc_hp(storage, optimizer=optimizer)
    table = keras.Variable(np.ones((12, 6), np.float32))
    optimizer = make_optimizer(hp)
    optimizer.build([table])
    step = tf.function(lambda values, rows: optimizer.apply(
        [tf.IndexedSlices(values, rows, tf.constant([12, 6]))], [table]))
    graph = step.get_concrete_function(tf.TensorSpec([None, 6]), tf.TensorSpec([None], tf.int32)
                                       ).graph
    handle = [internal for external, internal in graph.captures if external is table.value.handle]
    writes = {op.type for op in handle[0].consumers()} - {"ResourceGather", "VariableShape"}
    scatters_only = all(kind.startswith("ResourceScatter") for kind in writes)
    assert writes and scatters_only == updates_rows_only(hp)


def plain_lookup(table, ids):
    """What the layer must compute: the rows of `ids`, zero for id 0."""
    return tf.gather(table, ids) * tf.cast(ids != 0, tf.float32)[..., None]


@pytest.mark.parametrize("sparse_updates", [False, True])
def test_one_call_for_both_sides_gives_each_sides_embeddings_and_a_summed_sparse_gradient(
        sparse_updates):
    layer = TokenEmbedding(12, 4, sparse_updates=sparse_updates)
    layer.build()
    table = layer.embeddings
    with tf.GradientTape(persistent=True) as tape:
        e0, e1 = layer([tf.constant(IN0), tf.constant(IN1)])
        loss = tf.reduce_sum(e0 * 1.5) + tf.reduce_sum(e1 ** 2)
        expected = (tf.reduce_sum(plain_lookup(table.value, IN0) * 1.5)
                    + tf.reduce_sum(plain_lookup(table.value, IN1) ** 2))
    np.testing.assert_allclose(e0, plain_lookup(table.value, IN0), atol=1e-7)
    np.testing.assert_allclose(e1, plain_lookup(table.value, IN1), atol=1e-7)
    gradient = tape.gradient(loss, table.value)
    assert isinstance(gradient, tf.IndexedSlices)
    assert len(set(gradient.indices.numpy())) == len(gradient.indices)  # one row per distinct id
    np.testing.assert_allclose(tf.convert_to_tensor(gradient),
                               tf.convert_to_tensor(tape.gradient(expected, table.value)),
                               atol=1e-6)


def test_rows_and_positions_rebuild_the_embeddings_and_single_ids_skip_unique():
    layer = TokenEmbedding(12, 4)
    (rows, positions), = layer([IN0], as_rows=True)
    assert rows.shape[0] == len(np.unique(IN0))
    np.testing.assert_allclose(take_rows(rows, positions), layer(IN0), atol=1e-7)
    single = tf.function(lambda ids: layer(ids)).get_concrete_function(
        tf.TensorSpec([None, 1], tf.int64))
    assert "Unique" not in {op.type for op in single.graph.get_operations()}
    np.testing.assert_allclose(layer(np.array([[4], [0]])),
                               plain_lookup(layer.embeddings.value, np.array([[4], [0]])))
    with pytest.raises(ValueError, match="list of id tensors"):
        layer(IN0, as_rows=True)


def test_frozen_rows_get_no_gradient_through_the_shared_read():
    layer = TokenEmbedding(12, 4, freeze_rows=True, sparse_updates=True)
    layer.build()
    layer.frozen_rows.assign(np.isin(np.arange(12), [3, 9]).astype("float32"))
    with tf.GradientTape() as tape:
        (rows, p0), (_, p1) = layer([IN0, IN1], as_rows=True)
        loss = (tf.reduce_sum(sum_rows(rows, p0, IN0 != 0))
                + tf.reduce_sum(sum_rows(rows, p1, IN1 != 0)))
    gradient = tf.convert_to_tensor(tape.gradient(loss, layer.embeddings.value)).numpy()
    np.testing.assert_array_equal(gradient[[0, 3, 9]], 0.0)  # padding and frozen rows
    assert (gradient[[2, 5, 7]] != 0).all()


@pytest.mark.parametrize("pooling", POOLINGS)
def test_pooling_rows_equals_pooling_the_embeddings_values_and_gradients(pooling):
    layer = TokenEmbedding(12, 4)
    ids = tf.constant(IN0)
    mask = ids != 0
    weighted = {}
    if pooling in WEIGHTED_POOLINGS:
        encoder = PooledEmbeddingEncoder(pooling, vocab_size=12)
        encoder.build((None, None, 4))
        encoder.set_token_weights(np.random.default_rng(0).uniform(0.5, 3.0, 12))
        weighted = {"ids": ids}
    else:
        encoder = PooledEmbeddingEncoder(pooling)
    with tf.GradientTape(persistent=True) as tape:
        (rows, positions), = layer([ids], as_rows=True)
        from_rows = encoder((rows, positions), mask=mask, **weighted)
        from_embeddings = encoder(take_rows(rows, positions), mask=mask, **weighted)
        weights = tf.constant(np.arange(8, dtype="float32").reshape(2, 4))
        loss_rows = tf.reduce_sum(from_rows * weights)
        loss_embeddings = tf.reduce_sum(from_embeddings * weights)
    np.testing.assert_allclose(from_rows, from_embeddings, atol=1e-6)
    table = layer.embeddings.value
    np.testing.assert_allclose(tf.convert_to_tensor(tape.gradient(loss_rows, table)),
                               tf.convert_to_tensor(tape.gradient(loss_embeddings, table)),
                               atol=1e-6)


@pytest.mark.parametrize("storage", ["dense", "row_sparse"])
def test_tied_model_embeds_each_side_as_numpy_pools_the_table(storage):
    model = Object2Vec(doc_hp(storage, enc1_pooling="sqrtn", enc1_max_seq_len=3))
    table = keras.ops.convert_to_numpy(model.token_embeddings[0].embeddings)
    mean = np.stack([table[[3, 5, 3]].mean(0), table[[7, 3]].mean(0)])
    sqrtn = np.stack([table[[5, 9]].sum(0) / np.sqrt(2), table[[2, 2, 2]].sum(0) / np.sqrt(3)])
    np.testing.assert_allclose(model.embed(in0=IN0), mean, atol=1e-6)
    np.testing.assert_allclose(model.embed(in1=np.pad(IN1, [(0, 0), (0, 2)], constant_values=4)),
                               sqrtn, atol=1e-6)  # truncated to enc1_max_seq_len 3
    embedded = model.encode(0, tf.constant(IN0)), model.encode(1, tf.constant(IN1))
    np.testing.assert_allclose(embedded[0], mean, atol=1e-6)
    np.testing.assert_allclose(embedded[1], sqrtn, atol=1e-6)


def test_single_id_sides_accept_empty_and_longer_rows():
    model = Object2Vec(Hyperparameters(
        enc0_max_seq_len=1, enc0_vocab_size=10, enc0_network="pooled_embedding",
        enc0_token_embedding_dim=4, output_layer="mean_squared_error"))
    table = keras.ops.convert_to_numpy(model.token_embeddings[0].embeddings)
    np.testing.assert_allclose(model.encode(0, tf.constant([[4, 5], [6, 0]])), table[[4, 6]],
                               atol=1e-7)
    np.testing.assert_array_equal(model.encode(0, tf.zeros([2, 0], tf.int64)), 0.0)
