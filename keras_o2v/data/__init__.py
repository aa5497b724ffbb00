"""JSON Lines records, validation and the tf.data pipeline."""

from keras_o2v.data.dataset import make_dataset
from keras_o2v.data.records import RecordChunk, RecordParser, channel_files, iter_chunks
from keras_o2v.data.validator import ValidationReport, validate_files
