"""Serializable Keras layers of Object2Vec, one class per module.

| module | layer |
|---|---|
| `token_embedding` | `TokenEmbedding`: a token table whose id 0 is masked padding |
| `pooled_embedding_encoder` | `PooledEmbeddingEncoder`: `pooled_embedding` (mean, idf, sif, ...) |
| `hcnn_encoder` | `HCNNEncoder`: the hierarchical CNN |
| `bilstm_encoder` | `BiLSTMEncoder`: stacked BiLSTMs with max pooling over time |
| `comparator` | `Comparator`: `hadamard`, `concat`, `abs_diff` |
| `similarity` | `Similarity`: cosine or dot product of two embeddings |
| `prior_correction` | `PriorCorrection`: probabilities shifted to a base rate |
"""

# Keras first: importing it registers every keras_o2v class (see keras_o2v/__init__.py)
# while this package is still empty, so any of its modules can be the first import.
import keras  # noqa: F401

from keras_o2v.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "BiLSTMEncoder": "keras_o2v.layers.bilstm_encoder",
    "Comparator": "keras_o2v.layers.comparator",
    "HCNNEncoder": "keras_o2v.layers.hcnn_encoder",
    "PooledEmbeddingEncoder": "keras_o2v.layers.pooled_embedding_encoder",
    "PriorCorrection": "keras_o2v.layers.prior_correction",
    "Similarity": "keras_o2v.layers.similarity",
    "TokenEmbedding": "keras_o2v.layers.token_embedding",
})
