"""The Object2Vec model: `Object2Vec` (backbone + task) and `Object2VecBackbone`."""

# Keras first: importing it registers every keras_o2v class (see keras_o2v/__init__.py)
# while this package is still empty, so any of its modules can be the first import.
import keras  # noqa: F401

from keras_o2v.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "Object2Vec": "keras_o2v.models.object2vec",
    "Object2VecBackbone": "keras_o2v.models.backbone",
    "make_encoder": "keras_o2v.models.backbone",
}, moved={"pad_sequences": "keras_o2v.data.pad_sequences"})
