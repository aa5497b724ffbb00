"""SavedModel export for TensorFlow Serving: signatures, versions, warm-up, top-k, op checks.

The signatures themselves are named in `keras_o2v.serving_contract`. Names are
imported on first use, so the TensorFlow-free helpers (`keras_o2v.export.versions`,
which `o2v serve` and `o2v predict` use to find versions) do not load TensorFlow.
"""

from keras_o2v.lazy_exports import lazy_exports
from keras_o2v.serving_contract import EMBED_SIGNATURES, SCORE_SIGNATURE  # noqa: F401

__getattr__, __dir__ = lazy_exports(__name__, {
    "Candidates": "keras_o2v.export.candidates",
    "read_candidates": "keras_o2v.export.candidates",
    "cudnn_ops": "keras_o2v.export.graph_ops",
    "saved_model_op_types": "keras_o2v.export.graph_ops",
    "unregistered_ops": "keras_o2v.export.graph_ops",
    "export_saved_model": "keras_o2v.export.saved_model",
    "make_export_twin": "keras_o2v.export.saved_model",
    "latest_version": "keras_o2v.export.versions",
    "list_versions": "keras_o2v.export.versions",
    "next_version": "keras_o2v.export.versions",
})
