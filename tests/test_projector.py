"""TensorBoard projector files: TSV layout and a config that parses as ProjectorConfig."""

import os

import numpy as np
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format

from keras_o2v.visualization import write_projector_files


def projector_config_class():
    """`tensorboard.projector.ProjectorConfig`, built from its .proto field list
    (tensorboard itself is not a dependency)."""
    proto = descriptor_pb2.FileDescriptorProto(
        name="o2v_test_projector_config.proto", package="tensorboard.projector",
        syntax="proto3")
    FD = descriptor_pb2.FieldDescriptorProto
    sprite = proto.message_type.add(name="SpriteMetadata")
    sprite.field.add(name="image_path", number=1, type=FD.TYPE_STRING, label=FD.LABEL_OPTIONAL)
    sprite.field.add(name="single_image_dim", number=2, type=FD.TYPE_UINT32,
                     label=FD.LABEL_REPEATED)
    info = proto.message_type.add(name="EmbeddingInfo")
    for name, number in [("tensor_name", 1), ("metadata_path", 2), ("bookmarks_path", 3),
                         ("tensor_path", 6)]:
        info.field.add(name=name, number=number, type=FD.TYPE_STRING, label=FD.LABEL_OPTIONAL)
    info.field.add(name="tensor_shape", number=4, type=FD.TYPE_UINT32, label=FD.LABEL_REPEATED)
    info.field.add(name="sprite", number=5, type=FD.TYPE_MESSAGE, label=FD.LABEL_OPTIONAL,
                   type_name=".tensorboard.projector.SpriteMetadata")
    config = proto.message_type.add(name="ProjectorConfig")
    config.field.add(name="model_checkpoint_path", number=1, type=FD.TYPE_STRING,
                     label=FD.LABEL_OPTIONAL)
    config.field.add(name="embeddings", number=2, type=FD.TYPE_MESSAGE,
                     label=FD.LABEL_REPEATED, type_name=".tensorboard.projector.EmbeddingInfo")
    config.field.add(name="model_checkpoint_dir", number=3, type=FD.TYPE_STRING,
                     label=FD.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(
        pool.FindMessageTypeByName("tensorboard.projector.ProjectorConfig"))


def load_config(path):
    try:
        from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig
    except ImportError:
        ProjectorConfig = projector_config_class()
    with open(path) as handle:
        return text_format.Parse(handle.read(), ProjectorConfig())


def test_single_column_metadata_has_no_header(tmp_path):
    vectors = np.array([[0.5, -1.25, 3.0], [1e-3, 2.0, 0.0]], dtype=np.float32)
    paths = write_projector_files(str(tmp_path), vectors, metadata=["cat", "dog\tdays"])
    loaded = np.loadtxt(paths["vectors"], delimiter="\t", ndmin=2)
    np.testing.assert_allclose(loaded, vectors, rtol=1e-6)
    assert open(paths["metadata"]).read() == "cat\ndog days\n"
    config = load_config(paths["config"])
    assert len(config.embeddings) == 1
    entry = config.embeddings[0]
    assert entry.tensor_name == "embeddings"
    assert entry.tensor_path == "embeddings_vectors.tsv"
    assert entry.metadata_path == "embeddings_metadata.tsv"
    assert list(entry.tensor_shape) == [2, 3]
    # Paths are relative to the log directory, where TensorBoard resolves them.
    assert os.path.exists(tmp_path / entry.tensor_path)
    assert os.path.exists(tmp_path / entry.metadata_path)


def test_several_metadata_columns_have_a_header(tmp_path):
    paths = write_projector_files(str(tmp_path), np.eye(3), name="docs",
                                  metadata={"id": ["a", "b", "c"], "label": [0, 1, 1]})
    lines = open(paths["metadata"]).read().splitlines()
    assert lines == ["id\tlabel", "a\t0", "b\t1", "c\t1"]
    assert len(lines) == 3 + 1  # header + one row per vector


def test_second_name_adds_an_entry_and_same_name_replaces(tmp_path):
    write_projector_files(str(tmp_path), np.ones((2, 2)), name="enc0")
    write_projector_files(str(tmp_path), np.ones((3, 4)), metadata=[1, 2, 3], name="enc1")
    paths = write_projector_files(str(tmp_path), np.ones((5, 2)), name="enc0")
    config = load_config(paths["config"])
    shapes = {e.tensor_name: list(e.tensor_shape) for e in config.embeddings}
    assert shapes == {"enc0": [5, 2], "enc1": [3, 4]}
    assert paths["metadata"] is None


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="2 values for 3 vectors"):
        write_projector_files(str(tmp_path), np.eye(3), metadata=["a", "b"])
    with pytest.raises(ValueError, match="2-D"):
        write_projector_files(str(tmp_path), np.ones(3))
    with pytest.raises(ValueError, match="name"):
        write_projector_files(str(tmp_path), np.eye(2), name="bad name")
