"""Named hyperparameter maps: SageMaker's published recipes and keras_o2v's tuned ones.

Each preset is a SageMaker-style map (strings, as in a SageMaker job) without the
data-dependent values (`enc*_vocab_size`); add those and pass the map to
`keras_o2v.train` or `Hyperparameters.from_dict`.

| preset | what it is |
|---|---|
| `SAGEMAKER_MOVIELENS` | SageMaker's MovieLens 100k example, task 1 (rating regression), verbatim |
| `MOVIELENS_RATING` | keras_o2v's MovieLens rating model, chosen on validation by `benchmarks/movielens.py` |

Example:
>>> hp = {**MOVIELENS_RATING, "enc0_vocab_size": "944", "enc1_vocab_size": "1683"}
>>> keras_o2v.Hyperparameters.from_dict(hp).learning_rate_decay
0.9
"""

# aws/amazon-sagemaker-examples, introduction_to_amazon_algorithms/
# object2vec_movie_recommendation (task 1: rating regression).
SAGEMAKER_MOVIELENS = {
    "enc0_network": "pooled_embedding", "enc1_network": "pooled_embedding",
    "enc0_max_seq_len": "1", "enc1_max_seq_len": "1",
    "enc0_token_embedding_dim": "300", "enc1_token_embedding_dim": "300",
    "enc_dim": "1024", "mlp_layers": "1", "mlp_dim": "256", "mlp_activation": "tanh",
    "output_layer": "mean_squared_error", "optimizer": "adam", "learning_rate": "0.001",
    "mini_batch_size": "64", "epochs": "20", "early_stopping_patience": "3",
    "early_stopping_tolerance": "0.01", "bucket_width": "0", "num_classes": "2",
    "enc0_layers": "auto", "enc1_layers": "auto", "enc0_cnn_filter_width": "3",
}

# 128-d tables, hadamard + concat, one ReLU layer, dropout, decoupled weight decay and a
# learning rate that shrinks 10% an epoch: the best of benchmarks/movielens.py's search
# on the validation split. One id per side, so each request is a user id and a movie id.
MOVIELENS_RATING = {
    **SAGEMAKER_MOVIELENS,
    "enc0_token_embedding_dim": "128", "enc1_token_embedding_dim": "128",
    "comparator_list": "hadamard, concat", "mlp_layers": "1", "mlp_dim": "256",
    "mlp_activation": "relu", "dropout": "0.4", "weight_decay": "0.6",
    "learning_rate": "0.002", "learning_rate_decay": "0.9", "mini_batch_size": "512",
    "epochs": "40", "early_stopping_patience": "3", "early_stopping_tolerance": "0.0001",
}
