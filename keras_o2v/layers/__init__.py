"""Serializable Keras layers of Object2Vec."""

from keras_o2v.layers.bilstm_encoder import BiLSTMEncoder
from keras_o2v.layers.comparator import Comparator
from keras_o2v.layers.hcnn_encoder import HCNNEncoder
from keras_o2v.layers.pooled_embedding_encoder import PooledEmbeddingEncoder
from keras_o2v.layers.prior_correction import PriorCorrection
from keras_o2v.layers.similarity import Similarity
from keras_o2v.layers.token_embedding import TokenEmbedding
