"""Object2Vec models."""

from keras_o2v.lazy_exports import lazy_exports
from keras_o2v.models.object2vec import Object2Vec, default_metrics, make_encoder

__getattr__, __dir__ = lazy_exports(__name__, {}, moved={"pad_sequences": "keras_o2v.data.pad_sequences"})
