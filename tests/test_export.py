"""SavedModel export: signatures, versions, warm-up, CUDA-free graph, TF1 session loading."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from keras_o2v import Object2Vec, pad_sequences
from keras_o2v.cli import main as o2v
from keras_o2v.export import cudnn_ops, export_saved_model, list_versions, saved_model_op_types
from keras_o2v.hyperparameters import Hyperparameters
from tests.harness import MAX_LEN, predict_scores, random_pairs, tiny_hyperparameters, tiny_model


@pytest.fixture(scope="module")
def bilstm_export(tiny_bilstm_export):
    return tiny_bilstm_export


def _input_names(function):
    return sorted(spec.name for spec in function.structured_input_signature[1].values())


def test_signatures_names_shapes_and_outputs(bilstm_export):
    model, path = bilstm_export
    loaded = tf.saved_model.load(path)
    assert set(loaded.signatures) == {"serving_default", "embed_in0", "embed_in1"}
    expected = {"serving_default": (["in0", "in1"], "scores", 3),
                "embed_in0": (["in0"], "embeddings", 8), "embed_in1": (["in1"], "embeddings", 8)}
    for name, (inputs, output, width) in expected.items():
        function = loaded.signatures[name]
        assert _input_names(function) == inputs
        for spec in function.structured_input_signature[1].values():
            assert spec.dtype == tf.int64 and spec.shape.as_list() == [None, None]
        assert list(function.structured_outputs) == [output]
        assert function.structured_outputs[output].shape.as_list() == [None, width]


def test_signatures_match_model_and_truncate_in_graph(bilstm_export):
    model, path = bilstm_export
    loaded = tf.saved_model.load(path)
    in0, in1 = random_pairs(7, max_len=12)
    a, b = tf.constant(pad_sequences(in0)), tf.constant(pad_sequences(in1))
    scores = loaded.signatures["serving_default"](in0=a, in1=b)["scores"].numpy()
    np.testing.assert_allclose(scores, predict_scores(model, in0, in1), atol=1e-5)
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-5)
    embeddings = loaded.signatures["embed_in0"](in0=a)["embeddings"].numpy()
    np.testing.assert_allclose(embeddings, model.embed(in0=in0), atol=1e-5)
    truncated = tf.constant(pad_sequences([s[:MAX_LEN] for s in in0]))
    np.testing.assert_allclose(
        loaded.signatures["embed_in0"](in0=truncated)["embeddings"].numpy(), embeddings, atol=1e-6)
    np.testing.assert_allclose(loaded.signatures["embed_in1"](in1=b)["embeddings"].numpy(),
                               model.embed(in1=in1), atol=1e-5)


def test_out_of_vocabulary_id_is_invalid_argument(bilstm_export):
    _, path = bilstm_export
    embed = tf.saved_model.load(path).signatures["embed_in0"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="enc0_vocab_size=30"):
        embed(in0=tf.constant([[1, 30]], tf.int64))
    with pytest.raises(tf.errors.InvalidArgumentError, match="negative"):
        embed(in0=tf.constant([[-1]], tf.int64))


def test_export_is_cuda_free(bilstm_export):
    _, path = bilstm_export
    ops = saved_model_op_types(path)
    assert "While" in ops or "StatelessWhile" in ops  # the LSTM loop is really in the graph
    assert cudnn_ops(path) == []


def test_cudnn_check_catches_a_cudnn_graph(tmp_path):
    module = tf.Module()

    @tf.function(input_signature=[tf.TensorSpec([5, 2, 3], tf.float32)])
    def rnn(x):
        h = tf.zeros([1, 2, 4])
        params = tf.zeros([1000])
        return tf.raw_ops.CudnnRNNV3(input=x, input_h=h, input_c=h, params=params,
                                     sequence_lengths=tf.constant([5, 5]))[0]

    module.rnn = rnn
    tf.saved_model.save(module, str(tmp_path), signatures={"serving_default": rnn})
    assert cudnn_ops(str(tmp_path)) == ["CudnnRNNV3"]


@pytest.fixture(scope="module")
def first_plus_sqrtn_export(tmp_path_factory):
    """A pooled enc0 with SVD++-style pooling: the keras_o2v extension must export too."""
    base = tmp_path_factory.mktemp("pooled")
    model = tiny_model("pooled_embedding", enc0_pooling="first_plus_sqrtn")
    return model, export_saved_model(model, base)


@pytest.mark.parametrize("export", ["bilstm_export", "first_plus_sqrtn_export"])
def test_tf1_session_loader_like_tf_serving(export, request):
    model, path = request.getfixturevalue(export)
    in0, in1 = random_pairs(5, seed=3)
    feeds = {"in0": pad_sequences(in0), "in1": pad_sequences(in1)}
    with tf.compat.v1.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as sess:
        meta_graph = tf.compat.v1.saved_model.loader.load(sess, ["serve"], path)
        results = {}
        for name in ("serving_default", "embed_in0"):
            signature = meta_graph.signature_def[name]
            feed = {signature.inputs[key].name: feeds[key] for key in signature.inputs}
            fetch = {key: info.name for key, info in signature.outputs.items()}
            results[name] = sess.run(fetch, feed_dict=feed)
    np.testing.assert_allclose(results["serving_default"]["scores"],
                               predict_scores(model, in0, in1), atol=1e-5)
    np.testing.assert_allclose(results["embed_in0"]["embeddings"], model.embed(in0=in0),
                               atol=1e-5)


def test_warmup_records_and_hyperparameters(bilstm_export):
    from tensorflow_serving.apis import prediction_log_pb2

    model, path = bilstm_export
    signatures = []
    for record in tf.data.TFRecordDataset(
            os.path.join(path, "assets.extra", "tf_serving_warmup_requests")):
        log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
        signatures.append(log.predict_log.request.model_spec.signature_name)
    assert set(signatures) == {"serving_default", "embed_in0", "embed_in1"}
    with open(os.path.join(path, "assets.extra", "hyperparameters.json")) as f:
        written = json.load(f)
    assert written == model.hyperparameters.to_string_map()  # a SageMaker string map
    assert Hyperparameters.from_dict(written) == model.hyperparameters


def test_versions_are_atomic_and_never_overwritten(tmp_path):
    model = tiny_model("pooled_embedding", regression=True)
    base = tmp_path / "o2v"
    assert export_saved_model(model, base).endswith(os.sep + "1")
    assert export_saved_model(model, base).endswith(os.sep + "2")
    with pytest.raises(FileExistsError, match="overwrite"):
        export_saved_model(model, base, version=2)
    marker = base / "2" / "marker"
    marker.write_text("old")
    assert export_saved_model(model, base, version=2, overwrite=True).endswith(os.sep + "2")
    assert not marker.exists()
    assert export_saved_model(model, base, version=7).endswith(os.sep + "7")
    assert list_versions(base) == [1, 2, 7]
    assert sorted(os.listdir(base)) == ["1", "2", "7"]  # no temporary folder left behind
    loaded = tf.saved_model.load(str(base / "7"))
    scores = loaded.signatures["serving_default"](in0=tf.constant([[1, 2]], tf.int64),
                                                  in1=tf.constant([[3]], tf.int64))["scores"]
    assert scores.shape == (1, 1)


def test_export_command(tmp_path, capsys):
    model = tiny_model("hcnn", seed=1)
    model_dir = tmp_path / "job"
    model_dir.mkdir()
    model.save(model_dir / "model.keras")
    base = tmp_path / "serving"
    assert o2v(["export", "--model-dir", str(model_dir), "--base-path", str(base)]) == 0
    assert capsys.readouterr().out.strip() == str(base / "1")
    assert o2v(["export", "--model-dir", str(model_dir), "--base-path", str(base),
                "--version", "1"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert o2v(["export", "--model-dir", str(model_dir), "--base-path", str(base),
                "--version", "1", "--overwrite"]) == 0
    assert o2v(["export", "--model-dir", str(tmp_path / "missing"), "--base-path", str(base)]) == 2
    in0, in1 = random_pairs(4)
    loaded = tf.saved_model.load(str(base / "1"))
    scores = loaded.signatures["serving_default"](
        in0=tf.constant(pad_sequences(in0)), in1=tf.constant(pad_sequences(in1)))["scores"]
    np.testing.assert_allclose(scores.numpy(), predict_scores(model, in0, in1), atol=1e-5)


def test_keras_export_writes_the_serving_export_also_for_a_cudnn_model(tmp_path, capsys):
    # use_cudnn=True is what "auto" becomes on a GPU host; Keras' own export would trace it.
    model = Object2Vec(tiny_hyperparameters("bilstm"), use_cudnn=True)
    model.set_weights(tiny_model("bilstm").get_weights())
    path = tmp_path / "o2v"
    model.export(path)
    assert f"Saved artifact at '{path}'" in capsys.readouterr().out
    assert cudnn_ops(str(path)) == []
    loaded = tf.saved_model.load(str(path))
    assert set(loaded.signatures) == {"serving_default", "embed_in0", "embed_in1"}
    assert os.path.exists(path / "assets.extra" / "tf_serving_warmup_requests")
    in0, in1 = random_pairs(4, seed=2)
    scores = loaded.signatures["serving_default"](
        in0=tf.constant(pad_sequences(in0)), in1=tf.constant(pad_sequences(in1)))["scores"]
    np.testing.assert_allclose(scores, predict_scores(tiny_model("bilstm"), in0, in1), atol=1e-5)

    model.export(path, verbose=False, warmup=False)  # replaces the folder as a whole
    assert not os.path.exists(path / "assets.extra" / "tf_serving_warmup_requests")
    assert sorted(os.listdir(tmp_path)) == ["o2v"]
    with pytest.raises(ValueError, match="takes no input_signature"):
        model.export(tmp_path / "other", input_signature=[tf.TensorSpec([None, 3], tf.int64)])


def test_tf_saved_model_save_works_after_embed(tmp_path):
    model = tiny_model("pooled_embedding")
    before = model.embed(in1=[[1, 2], [3]])
    tf.saved_model.save(model, str(tmp_path / "saved"))
    assert "serving_default" in tf.saved_model.load(str(tmp_path / "saved")).signatures
    np.testing.assert_array_equal(model.embed(in1=[[1, 2], [3]]), before)
