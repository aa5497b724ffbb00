"""Reads the op types of a SavedModel, to prove an export holds no `Cudnn*` op."""

import os

from tensorflow.core.protobuf import saved_model_pb2


def saved_model_op_types(export_dir):
    """Every op type in `saved_model.pb`: all meta graphs and their function libraries.

    Args:
        export_dir: a SavedModel folder (`BASE/<version>`).

    Returns:
        A set of op type names, e.g. `{"MatMul", "While", ...}`.

    Example:
    >>> "CudnnRNNV3" in saved_model_op_types("models/o2v/1")  # doctest: +SKIP
    False
    """
    saved_model = saved_model_pb2.SavedModel()
    with open(os.path.join(export_dir, "saved_model.pb"), "rb") as f:
        saved_model.ParseFromString(f.read())
    ops = set()
    for meta_graph in saved_model.meta_graphs:
        graph = meta_graph.graph_def
        ops.update(node.op for node in graph.node)
        for function in graph.library.function:
            ops.update(node.op for node in function.node_def)
    return ops


def cudnn_ops(export_dir):
    """The sorted op types starting with `Cudnn` (which have no CPU kernel)."""
    return sorted(op for op in saved_model_op_types(export_dir) if op.startswith("Cudnn"))


def unregistered_ops(export_dir):
    """The sorted op types that stock TensorFlow does not know (custom ops).

    Run in a process that loaded no op library of its own, this lists what a
    stock TensorFlow Serving could not run.
    """
    from tensorflow.python.framework import op_def_registry

    return sorted(op for op in saved_model_op_types(export_dir) if op_def_registry.get(op) is None)
