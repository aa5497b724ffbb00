"""SavedModel export for TensorFlow Serving: signatures, versions, warm-up, top-k, op checks.

The signatures themselves are named in `keras_o2v.serving_contract`.
"""

from keras_o2v.export.candidates import Candidates, read_candidates
from keras_o2v.export.graph_ops import cudnn_ops, saved_model_op_types, unregistered_ops
from keras_o2v.export.saved_model import export_saved_model, make_export_twin
from keras_o2v.export.versions import latest_version, list_versions, next_version
from keras_o2v.serving_contract import EMBED_SIGNATURES, SCORE_SIGNATURE
