"""Auxiliary-channel files: vocabulary files and pretrained token embeddings.

These readers are independent of the model: they turn the files named by
`enc*_vocab_file` and `enc*_pretrained_embedding_file` into a `{token: id}` dict and a
`[vocab_size, dim]` float32 matrix with a mask of the rows that were found;
`initialise_token_tables` puts them into a model's token tables.
"""

from keras_o2v.pretrained.embedding_file import PretrainedEmbeddings, load_pretrained_embeddings
from keras_o2v.pretrained.tables import initialise_token_tables
from keras_o2v.pretrained.vocab_file import load_vocab

__all__ = ["PretrainedEmbeddings", "initialise_token_tables", "load_pretrained_embeddings",
           "load_vocab"]
