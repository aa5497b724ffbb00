import keras
import numpy as np
import pytest

from keras_o2v import layers
from keras_o2v.layers.hcnn_encoder import split_width

RNG = np.random.default_rng(0)


def embedded_with_padding(batch=3, length=6, dim=8, extra=5):
    x = RNG.normal(size=(batch, length, dim)).astype("float32")
    lengths = np.array([6, 3, 1])
    mask = np.arange(length)[None, :] < lengths[:, None]
    x = x * mask[..., None]
    padded = np.concatenate([x, np.zeros((batch, extra, dim), "float32")], axis=1)
    padded_mask = np.concatenate([mask, np.zeros((batch, extra), bool)], axis=1)
    return x, mask, padded, padded_mask


ENCODERS = {
    "pooled_embedding": lambda: layers.PooledEmbeddingEncoder(),
    "pooled_embedding_sum": lambda: layers.PooledEmbeddingEncoder(pooling="sum"),
    "pooled_embedding_sqrtn": lambda: layers.PooledEmbeddingEncoder(pooling="sqrtn"),
    "pooled_embedding_first_plus_sqrtn":
        lambda: layers.PooledEmbeddingEncoder(pooling="first_plus_sqrtn"),
    "pooled_embedding_max": lambda: layers.PooledEmbeddingEncoder(pooling="max"),
    "hcnn": lambda: layers.HCNNEncoder(output_dim=10, num_layers=4, filter_width=3),
    "hcnn_even_width": lambda: layers.HCNNEncoder(output_dim=9, num_layers=2, filter_width=2),
    "bilstm": lambda: layers.BiLSTMEncoder(output_dim=9, num_layers=2),
}


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_padding_never_changes_the_embedding(name):
    encoder = ENCODERS[name]()
    x, mask, padded, padded_mask = embedded_with_padding()
    short = keras.ops.convert_to_numpy(encoder(x, mask=mask))
    long = keras.ops.convert_to_numpy(encoder(padded, mask=padded_mask))
    np.testing.assert_allclose(short, long, atol=1e-5)
    # and padding really is ignored: garbage under the mask changes nothing either
    garbage = padded + (~padded_mask)[..., None] * 7.0
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(encoder(garbage, mask=padded_mask)), short, atol=1e-5)


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_encoders_serialize(name):
    encoder = ENCODERS[name]()
    x, mask, _, _ = embedded_with_padding()
    out = keras.ops.convert_to_numpy(encoder(x, mask=mask))
    clone = keras.layers.deserialize(keras.layers.serialize(encoder))
    clone(x, mask=mask)
    clone.set_weights(encoder.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(clone(x, mask=mask)), out, atol=1e-6)
    assert clone.get_config() == encoder.get_config()


def test_pooled_embedding_is_the_masked_mean():
    x, mask, _, _ = embedded_with_padding()
    out = keras.ops.convert_to_numpy(layers.PooledEmbeddingEncoder()(x, mask=mask))
    np.testing.assert_allclose(out[1], x[1, :3].mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(out[2], x[2, 0], atol=1e-6)


def test_pooled_embedding_combiners_over_the_valid_tokens():
    x, mask, _, _ = embedded_with_padding()  # valid lengths 6, 3, 1

    def pooled(pooling):
        encoder = layers.PooledEmbeddingEncoder(pooling=pooling)
        return keras.ops.convert_to_numpy(encoder(x, mask=mask))

    np.testing.assert_allclose(pooled("sum")[1], x[1, :3].sum(axis=0), atol=1e-5)
    np.testing.assert_allclose(pooled("sqrtn")[1], x[1, :3].sum(axis=0) / np.sqrt(3), atol=1e-5)
    np.testing.assert_allclose(pooled("first_plus_sqrtn")[0],
                               x[0, 0] + x[0, 1:].sum(axis=0) / np.sqrt(5), atol=1e-5)
    np.testing.assert_allclose(pooled("first_plus_sqrtn")[1],
                               x[1, 0] + x[1, 1:3].sum(axis=0) / np.sqrt(2), atol=1e-5)
    # one valid token: every combiner gives that token's vector
    for pooling in ("mean", "sum", "sqrtn", "first_plus_sqrtn"):
        np.testing.assert_allclose(pooled(pooling)[2], x[2, 0], atol=1e-6)


def test_pooled_embedding_of_an_all_padding_row_is_zero():
    x = np.ones((1, 4, 3), "float32")
    for pooling in ("mean", "sum", "sqrtn", "first_plus_sqrtn"):
        out = layers.PooledEmbeddingEncoder(pooling=pooling)(x, mask=np.zeros((1, 4), bool))
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(out), np.zeros((1, 3)))


def test_pooled_embedding_rejects_an_unknown_pooling():
    with pytest.raises(ValueError, match="pooling must be one of .*'median'"):
        layers.PooledEmbeddingEncoder(pooling="median")


def test_hcnn_output_width_levels_and_relu_features():
    assert split_width(10, 4) == [3, 3, 2, 2] and sum(split_width(4096, 4)) == 4096
    encoder = layers.HCNNEncoder(output_dim=10, num_layers=4, filter_width=3)
    x, mask, _, _ = embedded_with_padding()
    out = keras.ops.convert_to_numpy(encoder(x, mask=mask))
    assert out.shape == (3, 10) and (out >= 0).all()
    assert [conv.filters for conv in encoder.convolutions] == [3, 3, 2, 2]


def test_bilstm_output_width_is_enc_dim_even_when_odd():
    encoder = layers.BiLSTMEncoder(output_dim=9)
    x, mask, _, _ = embedded_with_padding()
    assert keras.ops.convert_to_numpy(encoder(x, mask=mask)).shape == (3, 9)


def test_comparator_orders_operations():
    e0 = np.array([[1.0, -2.0]], "float32")
    e1 = np.array([[3.0, 4.0]], "float32")
    out = keras.ops.convert_to_numpy(layers.Comparator(["abs_diff", "hadamard", "concat"])([e0, e1]))
    np.testing.assert_allclose(out, [[2, 6, 3, -8, 1, -2, 3, 4]])
    default = layers.Comparator()
    assert default.compute_output_shape([(None, 5), (None, 5)]) == (None, 20)
    with pytest.raises(ValueError, match="operations must be drawn"):
        layers.Comparator(["cosine"])


def test_token_embedding_masks_and_zeros_padding():
    table = layers.TokenEmbedding(10, 4)
    ids = np.array([[3, 1, 0, 0]])
    out = keras.ops.convert_to_numpy(table(ids))
    assert (out[0, 2:] == 0).all() and (out[0, :2] != 0).any()
    assert keras.ops.convert_to_numpy(table.compute_mask(ids)).tolist() == [[True, True, False, False]]
    clone = layers.TokenEmbedding.from_config(table.get_config())
    assert clone.mask_zero and clone.input_dim == 10


def test_max_pooling_equals_the_numpy_reference_on_both_input_forms():
    x, mask, _, _ = embedded_with_padding()
    expected = np.stack([x[i][mask[i]].max(axis=0) for i in range(len(x))])
    encoder = layers.PooledEmbeddingEncoder(pooling="max")
    np.testing.assert_allclose(encoder(x, mask=mask), expected, rtol=1e-6)
    # (rows, positions), as a token table hands them to pooled encoders
    ids = np.where(mask, np.arange(1, x.shape[1] + 1)[None, :] + 10 * np.arange(3)[:, None], 0)
    table = layers.TokenEmbedding(40, x.shape[2])
    table.build()
    rows, positions = table([ids], as_rows=True)[0]
    dense = keras.ops.convert_to_numpy(table(ids))
    reference = np.stack([dense[i][mask[i]].max(axis=0) for i in range(len(ids))])
    np.testing.assert_allclose(encoder((rows, positions), mask=mask), reference, rtol=1e-6)
