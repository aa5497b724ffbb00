"""Object2Vec models."""

from keras_o2v.models.object2vec import Object2Vec, default_metrics, make_encoder, pad_sequences
