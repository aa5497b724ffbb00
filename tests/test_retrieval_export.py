"""Exports of retrieval and calibrated models: the same three signatures, serving model.predict's scores."""

import numpy as np
import pytest
import tensorflow as tf

from keras_o2v import pad_sequences
from keras_o2v.export import export_saved_model
from keras_o2v.inference.protocol.instances import parse_instances
from keras_o2v.inference.runtime.saved_model_runner import SavedModelRunner
from tests.harness import predict_scores, random_pairs, tiny_model


@pytest.fixture(scope="module")
def retrieval_export(tmp_path_factory):
    model = tiny_model("bilstm", num_classes=2, training_objective="retrieval",
                       retrieval_similarity="dot")
    return model, export_saved_model(model, tmp_path_factory.mktemp("retrieval"))


@pytest.fixture(scope="module")
def calibrated_export(tmp_path_factory):
    model = tiny_model("pooled_embedding", num_classes=2, calibration_base_rate=0.1)
    model.task.prior_correction.set_shift(-2.5)
    return model, export_saved_model(model, tmp_path_factory.mktemp("calibrated"))


def serve_like_tf_serving(path, feeds):
    """Every signature's outputs, read the way TF Serving does (TF1 loader, `serve` tag)."""
    with tf.compat.v1.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as sess:
        meta_graph = tf.compat.v1.saved_model.loader.load(sess, ["serve"], path)
        results = {}
        for name, signature in meta_graph.signature_def.items():
            if name.startswith("__"):
                continue  # __saved_model_init_op: TF's own, not a serving signature
            feed = {signature.inputs[key].name: feeds[key] for key in signature.inputs}
            fetch = {key: info.name for key, info in signature.outputs.items()}
            results[name] = sess.run(fetch, feed_dict=feed)
    return results


def test_retrieval_export_serves_the_similarity_of_model_predict(retrieval_export):
    model, path = retrieval_export
    in0, in1 = random_pairs(6, seed=4)
    served = serve_like_tf_serving(path, {"in0": pad_sequences(in0), "in1": pad_sequences(in1)})
    assert set(served) == {"serving_default", "embed_in0", "embed_in1"}
    scores = served["serving_default"]["scores"]
    assert scores.shape == (6, 1)
    np.testing.assert_allclose(scores, predict_scores(model, in0, in1), atol=1e-5)
    e0, e1 = model.embed(in0=in0), model.embed(in1=in1)
    np.testing.assert_allclose(served["embed_in0"]["embeddings"], e0, atol=1e-5)
    np.testing.assert_allclose(served["embed_in1"]["embeddings"], e1, atol=1e-5)
    np.testing.assert_allclose(scores[:, 0], (e0 * e1).sum(axis=1), atol=1e-4)  # a dot product
    np.testing.assert_allclose(np.diag(model.score_embeddings(e0, e1).numpy()), scores[:, 0],
                               atol=1e-4)


def test_calibrated_export_serves_the_calibrated_probabilities(calibrated_export):
    model, path = calibrated_export
    in0, in1 = random_pairs(5, seed=5)
    served = serve_like_tf_serving(path, {"in0": pad_sequences(in0), "in1": pad_sequences(in1)})
    expected = predict_scores(model, in0, in1)
    np.testing.assert_allclose(served["serving_default"]["scores"], expected, atol=1e-5)
    model.task.prior_correction.set_shift(0.0)
    uncalibrated = predict_scores(model, in0, in1)
    model.task.prior_correction.set_shift(-2.5)
    assert (expected[:, 1] < uncalibrated[:, 1] - 0.01).all()  # the shift is in the graph


def test_the_sagemaker_protocol_answers_with_the_similarity(retrieval_export):
    model, path = retrieval_export
    in0, in1 = random_pairs(3, seed=6)
    runner = SavedModelRunner(path)
    instances = parse_instances([{"in0": a, "in1": b} for a, b in zip(in0, in1)])
    answers = runner.predict_instances(instances)
    np.testing.assert_allclose([a["scores"] for a in answers], predict_scores(model, in0, in1),
                               atol=1e-5)


def test_a_pair_model_ranks_the_same_in_memory_and_exported(tmp_path, calibrated_export):
    """A pair model's export is ranked through serving_default on every (query, candidate) pair."""
    from keras_o2v import evaluate_retrieval
    from tests.harness import write_jsonl

    model, path = calibrated_export
    in0, in1 = random_pairs(30, seed=7)
    labels = np.arange(30) % 3 != 0  # labels 0 and 1: auc too
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [
        {"label": int(y), "in0": a, "in1": b} for y, a, b in zip(labels, in0, in1)])
    in_memory = evaluate_retrieval(model, pairs)
    exported = evaluate_retrieval(path, pairs)
    assert set(in_memory) >= {"hits_at_10", "mrr", "mean_rank", "auc"}
    for name, value in in_memory.items():
        assert exported[name] == pytest.approx(value, rel=1e-5), name


def test_top_k_of_a_retrieval_export_ranks_by_the_similarity(tmp_path):
    from keras_o2v.export import Candidates

    model = tiny_model("pooled_embedding", num_classes=2, training_objective="retrieval")
    items = np.arange(1, 40)
    path = export_saved_model(model, tmp_path, candidates=Candidates(
        ids=items * 10, sequences=[[int(i)] for i in items]))
    queries = [[3, 4], [7]]
    top = tf.saved_model.load(path).signatures["top_k"](
        in0=tf.constant(pad_sequences(queries)), k=tf.constant(5, tf.int32))
    similarity = model.score_embeddings(model.embed(in0=queries), model.embed(in1=items[:, None]))
    expected = np.argsort(-similarity.numpy(), axis=1)[:, :5]
    np.testing.assert_array_equal(top["ids"].numpy(), items[expected] * 10)
    np.testing.assert_allclose(top["scores"].numpy(), np.sort(similarity.numpy(), axis=1)[:, ::-1][:, :5],
                               atol=1e-5)
