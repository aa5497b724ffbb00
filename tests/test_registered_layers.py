"""One check for every registered keras_o2v layer: build, call, config round trip, `.keras` file.

A layer registered with `keras.saving.register_keras_serializable(package="keras_o2v")`
must appear in `EXAMPLES`, so a new layer cannot land without this check.
"""

import keras
import numpy as np
import pytest

import keras_o2v
from keras_o2v import layers, models, tasks

RNG = np.random.default_rng(0)
IDS = np.array([[3, 4, 0, 0], [5, 6, 7, 1]], "int64")
MASK = IDS != 0
EMBEDDED = RNG.normal(size=(2, 4, 6)).astype("float32") * MASK[..., None]
PAIR = [RNG.normal(size=(3, 6)).astype("float32"), RNG.normal(size=(3, 6)).astype("float32")]


def _weighted_pooling():
    layer = layers.PooledEmbeddingEncoder(pooling="sif", vocab_size=8, common_components=1)
    layer.build((None, None, 6))
    layer.set_token_weights(np.linspace(0.0, 1.0, 8))
    layer.set_common_components(np.eye(6)[None, 2])
    return layer


def _frequencies():
    layer = tasks.CandidateFrequencies(8)
    layer.set_counts(np.arange(8.0))
    return layer


def _backbone():
    table = layers.TokenEmbedding(8, 6, name="table")
    return models.Object2VecBackbone((table, table), (layers.PooledEmbeddingEncoder(),
                                                       layers.HCNNEncoder(6, num_layers=2)),
                                     (4, 3), dropout=0.1)


def _prior():
    layer = layers.PriorCorrection()
    layer.set_shift(0.7)
    return layer


def _text_preprocessor():
    from keras_o2v.text import TextPreprocessor

    layer = TextPreprocessor(oov_buckets=3, max_lengths={"in0": 5})
    layer.adapt(["a soccer game", "some men are playing a sport", "a man plays"])
    return layer


TEXTS = np.array(["A man plays soccer!", "unseen words here", ""])

# class name -> (make the layer, call it)
EXAMPLES = {
    "TokenEmbedding": (lambda: layers.TokenEmbedding(8, 6, freeze_rows=True), lambda layer: layer(IDS)),
    "PooledEmbeddingEncoder": (_weighted_pooling, lambda layer: layer(EMBEDDED, mask=MASK, ids=IDS)),
    "HCNNEncoder": (lambda: layers.HCNNEncoder(6, num_layers=3), lambda layer: layer(EMBEDDED, mask=MASK)),
    "BiLSTMEncoder": (lambda: layers.BiLSTMEncoder(5, num_layers=2),
                      lambda layer: layer(EMBEDDED, mask=MASK)),
    "Comparator": (lambda: layers.Comparator(["abs_diff", "hadamard"]), lambda layer: layer(PAIR)),
    "Similarity": (lambda: layers.Similarity("cosine"), lambda layer: layer(PAIR)),
    "PriorCorrection": (_prior, lambda layer: layer(PAIR[0][:, :2])),
    "CandidateFrequencies": (_frequencies, lambda layer: layer.log_frequency(np.array([1, 5, 7]))),
    "PairScoringTask": (lambda: tasks.PairScoringTask(mlp_layers=1, mlp_dim=4, num_classes=3),
                        lambda layer: layer(PAIR)),
    "TextPreprocessor": (_text_preprocessor, lambda layer: layer(TEXTS, side="in0")),
    "SimilarityTask": (lambda: tasks.SimilarityTask(temperature=0.1), lambda layer: layer(PAIR)),
    "RetrievalTask": (lambda: tasks.RetrievalTask("dot", num_buckets=8), lambda layer: layer(PAIR)),
    "Object2VecBackbone": (_backbone, lambda layer: layer({"in0": IDS, "in1": IDS})),
    "Object2Vec": (lambda: keras_o2v.Object2Vec(keras_o2v.Hyperparameters(
        enc0_max_seq_len=4, enc0_vocab_size=8, enc0_network="bilstm", enc_dim=6,
        enc0_token_embedding_dim=5, mlp_dim=4, mlp_layers=1)),
        lambda layer: layer({"in0": IDS, "in1": IDS})),
}


def registered_layers():
    objects = keras.saving.get_custom_objects()
    return sorted(name.split(">", 1)[1] for name, cls in objects.items()
                  if name.startswith("keras_o2v>") and issubclass(cls, keras.layers.Layer))


def test_every_registered_layer_has_an_example():
    assert registered_layers() == sorted(EXAMPLES)


def _numpy(outputs):
    return [keras.ops.convert_to_numpy(o) for o in keras.tree.flatten(outputs)]


class Holder(keras.Model):
    """A model holding one layer, to save and load it in a `.keras` file."""

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        self.held = layer

    def get_config(self):
        return {**super().get_config(), "held": keras.saving.serialize_keras_object(self.held)}

    @classmethod
    def from_config(cls, config):
        return cls(keras.saving.deserialize_keras_object(config.pop("held")), **config)


@pytest.mark.filterwarnings("ignore:You are saving a model that has not yet been built")
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_layer_builds_calls_and_round_trips_its_config_and_a_keras_file(name, tmp_path):
    make, call = EXAMPLES[name]
    layer = make()
    outputs = _numpy(call(layer))
    assert layer.built and all(np.isfinite(o).all() for o in outputs)

    # get_config -> from_config: the same architecture; with the weights, the same outputs.
    config = keras.saving.serialize_keras_object(layer)
    twin = keras.saving.deserialize_keras_object(config)
    assert keras.saving.serialize_keras_object(twin)["config"] == config["config"]
    if hasattr(layer, "save_assets"):  # state kept as files (a vocabulary)
        layer.save_assets(str(tmp_path))
        twin.load_assets(str(tmp_path))
    call(twin)
    twin.set_weights(layer.get_weights())
    for got, want in zip(_numpy(call(twin)), outputs):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)

    # a .keras file: weights (and non-trainable state such as counts) come back.
    path = tmp_path / f"{name}.keras"
    holder = layer if isinstance(layer, keras.Model) else Holder(layer)
    holder.save(path)
    loaded = keras.saving.load_model(path, custom_objects={"Holder": Holder})
    loaded_layer = loaded if isinstance(layer, keras.Model) else loaded.held
    if not loaded_layer.built:
        call(loaded_layer)
    for got, want in zip(_numpy(call(loaded_layer)), outputs):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
