"""`encN_pooling=idf|sif`: weights from the train channel, a NumPy reference, padding, save, export."""

import json
import math

import keras
import numpy as np
import pytest

import keras_o2v
from keras_o2v import Hyperparameters, Object2Vec, pad_sequences
from keras_o2v.data.token_statistics import TokenStatistics
from keras_o2v.errors import O2VError
from keras_o2v.layers import PooledEmbeddingEncoder
from keras_o2v.layers.token_weights import SIF_SMOOTHING, idf_weights, sif_weights
from tests.harness import write_jsonl

VOCAB = 12
# Objects of the train channel: in0 documents and in1 documents (token 0 is padding).
IN0 = [[2, 3, 3, 4], [2, 5], [2, 3, 6, 7, 8], [9, 2]]
IN1 = [[4, 4], [5, 6, 7], [10], [3, 2, 11]]


def hyperparameters(pooling, **overrides):
    values = dict(enc0_max_seq_len=4, enc0_vocab_size=VOCAB, enc0_network="pooled_embedding",
                  enc0_token_embedding_dim=6, enc0_pooling=pooling,
                  training_objective="retrieval", mini_batch_size=4, learning_rate=0.05,
                  enc0_common_components=0)  # the weighting alone; see test_sif_removes...
    values.update(overrides)
    return Hyperparameters(**values)


def train_channel(tmp_path):
    return write_jsonl(tmp_path / "train.jsonl",
                       [{"label": 1, "in0": a, "in1": b} for a, b in zip(IN0, IN1)])


def reference_weights(pooling, documents):
    """The weights from plain Python counting over `documents` (lists of ids)."""
    n = len(documents)
    df = [sum(token in doc for doc in documents) for token in range(VOCAB)]
    counts = [sum(doc.count(token) for doc in documents) for token in range(VOCAB)]
    if pooling == "idf":
        weights = [math.log((1 + n) / (1 + d)) + 1 for d in df]
    else:
        total = sum(counts[1:])
        weights = [SIF_SMOOTHING / (SIF_SMOOTHING + c / total) for c in counts]
    return np.array([0.0] + weights[1:])


def reference_embeddings(table, weights, objects, pooling):
    """Weighted pooling in NumPy: sum(w e) / sum(w) (idf) or / n (sif)."""
    out = []
    for ids in objects:
        ids = [t for t in ids if t != 0]
        w = weights[ids]
        norm = w.sum() if pooling == "idf" else len(ids)
        out.append((w[:, None] * table[ids]).sum(axis=0) / norm)
    return np.array(out)


def test_the_weights_follow_their_formulas():
    stats = TokenStatistics.empty(VOCAB)
    stats.add(np.concatenate(IN0), [len(d) for d in IN0])
    assert stats.documents == 4 and stats.document_frequency[2] == 4 and stats.token_counts[3] == 3
    for pooling, weights in (("idf", idf_weights(stats.document_frequency, stats.documents)),
                             ("sif", sif_weights(stats.token_counts))):
        np.testing.assert_allclose(weights, reference_weights(pooling, IN0), rtol=1e-6)
    padded = TokenStatistics.empty(VOCAB)
    padded.add_padded(pad_sequences(IN0))
    np.testing.assert_array_equal(padded.document_frequency, stats.document_frequency)


@pytest.mark.parametrize("pooling, tied", [("idf", False), ("sif", True)])
def test_pooling_equals_the_numpy_reference_and_ignores_padding(tmp_path, pooling, tied):
    keras.utils.set_random_seed(1)
    model = Object2Vec(hyperparameters(pooling, tied_token_embedding_weight=tied))
    stats = model.adapt(train_channel(tmp_path))
    for side, objects in ((0, IN0), (1, IN1)):
        weights = keras.ops.convert_to_numpy(model.encoders[side].token_weights)
        truncated = [doc[:4] for doc in objects]  # as the model sees them (max_seq_len 4)
        np.testing.assert_allclose(weights, reference_weights(pooling, truncated), rtol=1e-5)
        assert stats.tokens[side].documents == 4
    table = keras.ops.convert_to_numpy(model.token_embeddings[0].embeddings)
    weights = keras.ops.convert_to_numpy(model.encoders[0].token_weights)
    queries = [[7, 3, 3], [2], [11, 5, 9, 4, 8, 8]]  # the last is cut to 4 tokens
    expected = reference_embeddings(table, weights, [q[:4] for q in queries], pooling)
    np.testing.assert_allclose(model.embed(in0=queries), expected, atol=1e-6)  # rows path
    dense = model.encoders[0](table[pad_sequences(queries)[:, :4]],
                              mask=pad_sequences(queries)[:, :4] != 0,
                              ids=pad_sequences(queries)[:, :4])
    np.testing.assert_allclose(dense, expected, atol=1e-6)  # [batch, length, dim] path
    padded = np.pad(pad_sequences(queries)[:, :4], ((0, 0), (0, 5)))  # extra padding
    np.testing.assert_allclose(model.encode(0, padded), expected, atol=1e-6)
    np.testing.assert_allclose(model.embed(in0=queries[1:2]), expected[1:2], atol=1e-6)


def test_sif_removes_the_first_principal_direction_of_the_train_objects(tmp_path):
    """SIF's second step, against NumPy: the direction comes from the train channel's objects."""
    keras.utils.set_random_seed(2)
    model = Object2Vec(hyperparameters("sif", enc0_common_components="auto",
                                       tied_token_embedding_weight=True))
    assert model.hyperparameters.encoder(1).common_components == 1  # auto: 1 for sif
    model.adapt(train_channel(tmp_path))
    table = keras.ops.convert_to_numpy(model.token_embeddings[0].embeddings)
    for side, objects in ((0, IN0), (1, IN1)):
        weights = keras.ops.convert_to_numpy(model.encoders[side].token_weights)
        pooled = reference_embeddings(table, weights, [doc[:4] for doc in objects], "sif")
        direction = np.linalg.svd(pooled, full_matrices=False)[2][0]  # uncentred, as SIF's code
        fitted = keras.ops.convert_to_numpy(model.encoders[side].components)[0]
        np.testing.assert_allclose(abs(fitted @ direction), 1.0, atol=1e-5)
        expected = pooled - np.outer(pooled @ direction, direction)
        np.testing.assert_allclose(model.embed(**{f"in{side}": objects}), expected, atol=1e-5)


def test_one_token_objects_are_scaled_by_their_sif_weight():
    model = Object2Vec(hyperparameters("sif", enc0_max_seq_len=1))
    model.encoders[0].set_token_weights(np.linspace(0, 1, VOCAB))
    table = keras.ops.convert_to_numpy(model.token_embeddings[0].embeddings)
    np.testing.assert_allclose(model.embed(in0=[[5], [9]]),
                               table[[5, 9]] * np.linspace(0, 1, VOCAB)[[5, 9], None], atol=1e-6)


def test_weights_are_saved_and_a_pooling_corpus_replaces_the_train_channel(tmp_path):
    model = Object2Vec(hyperparameters("idf"))
    corpus = write_jsonl(tmp_path / "corpus.jsonl", [{"in0": [2, 3], "in1": [3]}] * 3)
    model.adapt(train_channel(tmp_path), pooling_corpus=corpus)
    weights = keras.ops.convert_to_numpy(model.encoders[0].token_weights)
    np.testing.assert_allclose(weights, reference_weights("idf", [[2, 3]] * 3), rtol=1e-6)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded.encoders[0].token_weights),
                                  weights)
    assert loaded.encoders[0].adapted
    np.testing.assert_allclose(loaded.embed(in0=IN0), model.embed(in0=IN0), atol=1e-6)


def test_fit_before_adapt_is_refused_and_other_networks_cannot_weigh():
    model = Object2Vec(hyperparameters("sif", training_objective="pair"))
    model.compile()
    data = {"in0": pad_sequences(IN0), "in1": pad_sequences(IN1)}
    with pytest.raises(O2VError, match="enc0_pooling=sif and enc1_pooling=sif .*model.adapt"):
        model.fit(data, np.ones(4, int), verbose=0)
    with pytest.raises(keras_o2v.HyperparameterError, match="enc0_pooling=idf applies only to"):
        hyperparameters("idf", enc0_network="hcnn")
    with pytest.raises(ValueError, match="needs vocab_size"):
        PooledEmbeddingEncoder(pooling="idf")


def test_the_export_serves_the_weighted_embeddings(tmp_path):
    from keras_o2v.export import export_saved_model
    from tests.test_retrieval_export import serve_like_tf_serving

    model = Object2Vec(hyperparameters("idf", enc1_pooling="sif"))
    model.adapt(train_channel(tmp_path))
    path = export_saved_model(model, tmp_path / "export", warmup=False)
    served = serve_like_tf_serving(path, {"in0": pad_sequences(IN0), "in1": pad_sequences(IN1)})
    np.testing.assert_allclose(served["embed_in0"]["embeddings"], model.embed(in0=IN0), atol=1e-6)
    np.testing.assert_allclose(served["embed_in1"]["embeddings"], model.embed(in1=IN1), atol=1e-6)
    mean = Object2Vec(hyperparameters("mean"))
    for side in (0, 1):  # the same tables, unweighted
        mean.token_embeddings[side].embeddings.assign(model.token_embeddings[side].embeddings)
    assert not np.allclose(mean.embed(in0=IN0), model.embed(in0=IN0), atol=1e-3)


def test_a_job_weighs_a_tied_pretrained_table(tmp_path, capsys):
    auxiliary = tmp_path / "aux"
    auxiliary.mkdir()
    (auxiliary / "vocab.json").write_text(json.dumps({"<pad>": 0, **{f"t{i}": i
                                                                      for i in range(1, VOCAB)}}))
    (auxiliary / "glove.txt").write_text("t2 0.1 0.2 0.3 0.4 0.5 0.6\nt3 1 1 1 1 1 1\n")
    hp = hyperparameters("idf", tied_token_embedding_weight=True, enc0_vocab_file="vocab.json",
                         enc0_pretrained_embedding_file="glove.txt", epochs=2,
                         retrieval_logq_correction=False)
    result = keras_o2v.train(hp, train=train_channel(tmp_path), model_dir=tmp_path / "job",
                             auxiliary=str(auxiliary), seed=0, verbose=0)
    out = capsys.readouterr().out
    assert "enc0_pooling=idf: token weights from 4 in0 objects of the train channel" in out
    assert "enc1_pooling=idf: token weights from 4 in1 objects" in out
    weights = keras.ops.convert_to_numpy(result.model.encoders[1].token_weights)
    np.testing.assert_allclose(weights, reference_weights("idf", IN1), rtol=1e-5)
    table = keras.ops.convert_to_numpy(result.model.token_embeddings[0].embeddings)
    np.testing.assert_allclose(table[3], np.ones(6), atol=1e-6)  # frozen pretrained row
    assert json.loads((tmp_path / "job" / "hyperparameters.json").read_text())[
        "enc0_pooling"] == "idf"
