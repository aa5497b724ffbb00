"""JSON Lines records, validation and the tf.data pipeline.

The record parser and ragged-row helpers are NumPy only; `make_dataset` (TensorFlow)
is imported when first used.
"""

from keras_o2v.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "make_dataset": "keras_o2v.data.dataset",
    "HoldOut": "keras_o2v.data.holdout",
    "ChannelPart": "keras_o2v.data.records",
    "RecordChunk": "keras_o2v.data.records",
    "RecordParser": "keras_o2v.data.records",
    "channel_files": "keras_o2v.data.records",
    "iter_chunks": "keras_o2v.data.records",
    "pad_sequences": "keras_o2v.data.ragged_rows",
    "ValidationReport": "keras_o2v.data.validator",
    "validate_files": "keras_o2v.data.validator",
})
