"""`Object2VecBackbone`: the token tables and the two encoders, ids in, embeddings out."""

import keras

from keras_o2v.layers.bilstm_encoder import BiLSTMEncoder
from keras_o2v.layers.hcnn_encoder import HCNNEncoder
from keras_o2v.layers.pooled_embedding_encoder import PooledEmbeddingEncoder
from keras_o2v.layers.token_embedding import TokenEmbedding
from keras_o2v.layers.token_weights import WEIGHTED_POOLINGS
from keras_o2v.optimizers.factory import updates_rows_only


def make_encoder(settings, enc_dim, use_cudnn="auto", name=None):
    """The encoder layer for one side's `keras_o2v.EncoderSettings`.

    Args:
        settings: the side's resolved settings (`Hyperparameters.encoder(side)`).
        enc_dim: the width of hcnn and bilstm encoders.
        use_cudnn: for bilstm encoders, as in `keras.layers.LSTM`.
        name: the layer's name.
    """
    if settings.network == "pooled_embedding":
        weighted = settings.pooling in WEIGHTED_POOLINGS
        return PooledEmbeddingEncoder(pooling=settings.pooling, name=name,
                                      vocab_size=settings.vocab_size if weighted else None,
                                      common_components=settings.common_components)
    if settings.network == "hcnn":
        return HCNNEncoder(enc_dim, num_layers=settings.layers,
                           filter_width=settings.cnn_filter_width, name=name)
    return BiLSTMEncoder(enc_dim, num_layers=settings.layers, use_cudnn=use_cudnn, name=name)


@keras.saving.register_keras_serializable(package="keras_o2v")
class Object2VecBackbone(keras.Model):
    """The encoder half of Object2Vec: two id sequences in, one embedding per side out.

    Inputs `{"in0", "in1"}` are int64 ids `[batch, length]`, right-padded with 0
    (padding is masked). Each side is truncated to its `max_lengths` entry, looked
    up in its token table and encoded; the outputs are `[e0, e1]`, `[batch, d]`
    each, with `Dropout(dropout)` while training. The same `TokenEmbedding` given
    for both sides is one shared table (read once per batch for both); the same
    encoder layer for both sides is a shared (siamese) encoder. Pooled encoders
    get the table rows of the batch's distinct ids and their positions instead of
    `[batch, length, dim]` embeddings (see `TokenEmbedding`).

    Args:
        token_embeddings: `(table0, table1)`, `keras_o2v.layers.TokenEmbedding`s.
        encoders: `(encoder0, encoder1)`: pooled, hcnn, bilstm or any layer called
            as `encoder(embeddings, mask=...)`.
        max_lengths: `(max_len0, max_len1)`: longer inputs are cut.
        dropout: dropout rate of the embeddings while training.
        **kwargs: forwarded to `keras.Model` (e.g. `name`).

    Example:
    >>> table = keras_o2v.layers.TokenEmbedding(50, 8)
    >>> encoder = keras_o2v.layers.PooledEmbeddingEncoder()
    >>> backbone = keras_o2v.models.Object2VecBackbone((table, table), (encoder, encoder), (10, 10))
    >>> e0, e1 = backbone({"in0": np.array([[3, 4, 0]]), "in1": np.array([[5, 0, 0]])})
    >>> e0.shape
    TensorShape([1, 8])
    """

    def __init__(self, token_embeddings, encoders, max_lengths, dropout=0.0, **kwargs):
        # === Layers ===
        tables, encoders, max_lengths = tuple(token_embeddings), tuple(encoders), tuple(max_lengths)
        encoder_dropout = keras.layers.Dropout(dropout, name="encoder_dropout")

        # === Functional Model ===
        inputs = {f"in{side}": keras.Input(shape=(None,), dtype="int64", name=f"in{side}")
                  for side in (0, 1)}
        embeddings = encode_sides(tables, encoders, max_lengths, [inputs["in0"], inputs["in1"]])
        outputs = [encoder_dropout(e) for e in embeddings]
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)

        # === Config ===
        self.token_embeddings = tables
        self.encoders = encoders
        self.max_lengths = max_lengths
        self.dropout = float(dropout)
        self.encoder_dropout = encoder_dropout

    @classmethod
    def from_hyperparameters(cls, hyperparameters, use_cudnn="auto", **kwargs):
        """The backbone a `keras_o2v.Hyperparameters` describes.

        One shared table with `tied_token_embedding_weight` (and `shared_encoder`, which
        also gives both sides enc0's encoder layer); tables with a `frozen_rows`
        mask where a pretrained file is frozen; tables read row by row when the
        optimizer updates rows only (`keras_o2v.optimizers.updates_rows_only`).
        """
        hp = hyperparameters
        settings = (hp.encoder(0), hp.encoder(1))
        freeze = [bool(s.pretrained_embedding_file and s.freeze_pretrained_embedding)
                  for s in settings]
        tied = hp.one_token_table
        optimizer = hp.optimizer_arguments()
        sparse_updates = updates_rows_only(optimizer["name"], optimizer["storage_type"])
        table0 = TokenEmbedding(settings[0].vocab_size, settings[0].token_embedding_dim,
                                freeze_rows=any(freeze) if tied else freeze[0],
                                sparse_updates=sparse_updates,
                                name="token_embedding_shared" if tied else "token_embedding0")
        table1 = table0 if tied else TokenEmbedding(
            settings[1].vocab_size, settings[1].token_embedding_dim, freeze_rows=freeze[1],
            sparse_updates=sparse_updates, name="token_embedding1")
        encoders = [make_encoder(s, hp.enc_dim, use_cudnn, name=f"enc{s.side}") for s in settings]
        if hp.shared_encoder:
            encoders[1] = encoders[0]
        return cls((table0, table1), encoders, [s.max_seq_len for s in settings],
                   dropout=hp.dropout, **kwargs)

    # === Embeddings ===
    def truncate(self, side, ids):
        """`ids[:, :max_len]` of one side (see `truncate_ids`)."""
        return truncate_ids(ids, self.max_lengths[side])

    def encode(self, side, ids, training=False):
        """Embeddings `[batch, d]` of one side's int ids `[batch, length]` (a tensor)."""
        embeddings = encode_sides([self.token_embeddings[side]], [self.encoders[side]],
                                  [self.max_lengths[side]], [ids], training=training)[0]
        return self.encoder_dropout(embeddings, training=training)

    @property
    def embedding_dim(self):
        """The width of the embeddings (both sides give the same)."""
        return int(self.outputs[0].shape[-1])

    @property
    def weighted_encoders(self):
        """The `(side, encoder)` pairs whose pooling weighs tokens by frequency (`idf`, `sif`)."""
        return [(side, encoder) for side, encoder in enumerate(self.encoders)
                if getattr(encoder, "weighted", False)
                and (side == 0 or encoder is not self.encoders[0])]

    @property
    def flat_layers(self):
        """Tables, then encoders (each once), then the dropout: the order weights are saved in."""
        return [*dict.fromkeys(self.token_embeddings), *dict.fromkeys(self.encoders),
                self.encoder_dropout]

    def get_config(self):
        def layers(pair):
            first = keras.saving.serialize_keras_object(pair[0])
            return [first] if pair[0] is pair[1] else [first, keras.saving.serialize_keras_object(pair[1])]

        return {"name": self.name, "trainable": self.trainable,
                "token_embeddings": layers(self.token_embeddings),
                "encoders": layers(self.encoders), "max_lengths": list(self.max_lengths),
                "dropout": self.dropout}

    @classmethod
    def from_config(cls, config):
        config = dict(config)

        def layers(serialized):
            objects = [keras.saving.deserialize_keras_object(c) for c in serialized]
            return (objects[0], objects[0]) if len(objects) == 1 else tuple(objects)

        return cls(layers(config.pop("token_embeddings")), layers(config.pop("encoders")),
                   config.pop("max_lengths"), **config)


def encode_sides(tables, encoders, max_lens, side_ids, training=None):
    """Embeds each side's ids `[batch, length]` with its table and encoder.

    Ids are truncated to the side's `max_len`. A table shared by both sides is
    read once for both (see `TokenEmbedding`); pooled encoders get the table
    rows of the batch's distinct ids and their positions instead of
    `[batch, length, dim]` embeddings; frequency-weighted ones (`idf`, `sif`)
    also get the ids, to look up their weights.
    """
    side_ids = [truncate_ids(ids, max_len) for ids, max_len in zip(side_ids, max_lens)]
    looked_up = [None] * len(tables)
    for table in dict.fromkeys(tables):
        sides = [s for s, t in enumerate(tables) if t is table]
        as_rows = (all(isinstance(encoders[s], PooledEmbeddingEncoder) for s in sides)
                   and not all(max_lens[s] == 1 for s in sides))
        for side, value in zip(sides, table([side_ids[s] for s in sides], as_rows=as_rows)):
            looked_up[side] = value
    return [encoder(value, mask=keras.ops.not_equal(ids, 0), training=training,
                    **({"ids": ids} if getattr(encoder, "weighted", False) else {}))
            for encoder, value, ids in zip(encoders, looked_up, side_ids)]


def truncate_ids(ids, max_len):
    """`ids[:, :max_len]`; for `max_len` 1 with the static shape `[batch, 1]`.

    Summing the (zero or one) kept column gives that shape; an empty row gives
    id 0, padding, as the empty slice would.
    """
    if max_len == 1:
        return keras.ops.sum(ids[:, :1], axis=1, keepdims=True)
    return ids[:, :max_len]
