"""Tiny Object2Vec models and exports shared by the export, inference and server tests."""

import numpy as np

import keras_o2v
from keras_o2v.export import export_saved_model
from keras_o2v.hyperparameters import Hyperparameters
from keras_o2v.models import Object2Vec

VOCAB = 30
MAX_LEN = 6


def tiny_hyperparameters(network="bilstm", regression=False, **overrides):
    """Hyperparameters of a model small enough to build and export in about a second."""
    values = dict(enc0_max_seq_len=MAX_LEN, enc0_vocab_size=VOCAB, enc0_network=network,
                  enc0_token_embedding_dim=8, enc_dim=8, mlp_dim=8, mlp_layers=1,
                  num_classes=3, enc1_network="pooled_embedding", enc1_max_seq_len=4,
                  enc1_vocab_size=VOCAB + 10, enc1_token_embedding_dim=8)
    if regression:
        values["output_layer"] = "mean_squared_error"
    values.update(overrides)
    return Hyperparameters(**values)


def tiny_model(network="bilstm", regression=False, seed=0, **overrides):
    """A freshly initialised tiny `Object2Vec` (weights depend on `seed`)."""
    import keras
    keras.utils.set_random_seed(seed)
    return Object2Vec(tiny_hyperparameters(network, regression, **overrides))


def random_pairs(n, seed=0, max_len=9):
    """Ragged id lists for both sides; some longer than the models' max_seq_len."""
    rng = np.random.default_rng(seed)
    in0 = [[int(t) for t in rng.integers(1, VOCAB, rng.integers(1, max_len + 1))] for _ in range(n)]
    in1 = [[int(t) for t in rng.integers(1, VOCAB + 10, rng.integers(1, max_len + 1))]
           for _ in range(n)]
    return in0, in1


def export_tiny(base_path, **kwargs):
    """Exports a tiny model under `base_path`; returns `(model, version_dir)`."""
    model = tiny_model(**kwargs)
    return model, export_saved_model(model, base_path)


def predict_scores(model, in0, in1):
    """`model.predict` on ragged lists (the reference the exports must match)."""
    return model.predict({"in0": keras_o2v.pad_sequences(in0), "in1": keras_o2v.pad_sequences(in1)},
                         verbose=0)
