"""SageMaker Object2Vec hyperparameters as a validated dataclass.

Names, defaults, types and ranges follow the SageMaker developer guide:
https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-hyperparameters.html.
Values may come as SageMaker's string map (`"True"`, `"auto"`, `"hadamard, concat"`)
or as Python values.

enc1 inheritance: with `enc1_network="enc0"` every `enc1_*` value the user did
not set is copied from enc0. An explicitly set `enc1_*` value always wins. With
an explicit enc1 network, unset `enc1_*` values take SageMaker's defaults,
except `enc1_max_seq_len` and `enc1_vocab_size` (no default), which are taken
from enc0. Whatever was inherited is recorded in `EncoderSettings.inherited`, so
errors about enc1 (an id >= `enc1_vocab_size`) can say where the value came from.

Pretrained token vectors: `encN_pretrained_embedding_file` requires
`encN_vocab_file`. With `tied_token_embedding_weight=True` the one shared table
is initialised from whichever side names a file; when both do (the usual case,
as enc1 inherits enc0's values), their file, vocab file and freeze flag must be
equal, otherwise construction fails (no silent precedence).

keras_o2v extensions (not SageMaker hyperparameters, listed in `EXTENSIONS`):
`learning_rate_decay` multiplies the learning rate by that factor after every
epoch (1.0, the default, keeps it constant as SageMaker does). `encN_pooling`
chooses how a `pooled_embedding` encoder combines its token vectors: `mean` (the
default, SageMaker's), `sum`, `sqrtn`, `first_plus_sqrtn`, or the frequency-weighted
`idf` and `sif`, whose weights `Object2Vec.adapt` computes from the train channel
(see `keras_o2v.layers.PooledEmbeddingEncoder`); enc1 inherits it like any `enc1_*`
value, and setting it to anything but `mean` for an hcnn or bilstm encoder is an
error. `validation_fraction` (0, the default, holds out nothing) sends that share of
the train channel's pairs to validation, chosen per pair by a hash seeded with
`validation_seed` (see `keras_o2v.data.holdout`); it replaces a validation channel.
`to_dict` leaves an extension out while it has its default, so a map written by
keras_o2v stays valid for SageMaker unless an extension is in use.

Retrieval, ranking and calibration extensions (see `keras_o2v.tasks.RetrievalTask`,
`keras_o2v.evaluation` and `keras_o2v.layers.PriorCorrection`):
`training_objective=retrieval` scores a pair by the similarity of its two
embeddings and trains by softmax over candidates, configured by the `retrieval_*`
values, which are errors under `training_objective=pair` (SageMaker's pair
classifier or regressor, the default). `early_stopping_metric` picks the
validation metric of SageMaker's early-stopping rule and of the kept epoch;
`ranking_metrics`, `ranking_max_candidates`, `ranking_filtered` and `ranking_exclude_self`
(leave a query's own object out of its candidates; `auto`: when in0 and in1 share one id
space, see `keras_o2v.evaluation.own_object`) control the
ranking metrics of the validation and test channels; `calibration_base_rate` corrects the pair
classifier's probabilities for its training prior.

`token_embedding_storage_type=row_sparse` allows only `optimizer` adam,
adagrad or sgd (SageMaker's rule; these have lazy row-wise variants) and switches
length bucketing off (`effective_bucket_width` is 0 whatever `bucket_width` says,
as SageMaker's log reports "use bucketing: False").
"""

import dataclasses
import difflib
import json
import math
from typing import Optional, Tuple, Union

from keras_o2v.errors import HyperparameterError
from keras_o2v.metric_names import EARLY_STOPPING_METRICS, is_ranking

NETWORKS = ("hcnn", "bilstm", "pooled_embedding")
COMPARATORS = ("hadamard", "concat", "abs_diff")
MLP_ACTIVATIONS = ("tanh", "relu", "linear")
OPTIMIZERS = ("adadelta", "adagrad", "adam", "sgd", "rmsprop")
OUTPUT_LAYERS = ("softmax", "mean_squared_error")
STORAGE_TYPES = ("dense", "row_sparse")
ROW_SPARSE_OPTIMIZERS = ("adam", "adagrad", "sgd")
AUTO_LAYERS = {"hcnn": 4, "bilstm": 1, "pooled_embedding": 1}
# The values `encN_pooling` accepts: the poolings of `keras_o2v.layers.PooledEmbeddingEncoder`
# ("mean" is SageMaker's; tests/test_hyperparameters.py checks that the lists agree).
WEIGHTED_POOLINGS = ("idf", "sif")
POOLINGS = ("mean", "sum", "sqrtn", "first_plus_sqrtn", "max", *WEIGHTED_POOLINGS)

# Infrastructure knobs of the SageMaker container; accepted so that a SageMaker
# hyperparameter map runs unchanged, and ignored.
IGNORED_SAGEMAKER_KEYS = ("_kvstore", "_num_gpus", "_num_kv_servers", "_tuning_objective_metric")

TRAINING_OBJECTIVES = ("pair", "retrieval", "similarity")
SIMILARITIES = ("cosine", "dot")
RETRIEVAL_NEGATIVES = ("auto", "full", "in_batch", "sampled")
# `retrieval_temperature=auto` is resolved by `keras_o2v.tasks.RetrievalTask`.
# `retrieval_negatives=auto` uses the full softmax for a single-token in1 with at
# most this many ids; in-batch negatives otherwise.
AUTO_FULL_SOFTMAX_MAX_VOCAB = 20_000
RETRIEVAL_ONLY = ("retrieval_similarity", "retrieval_temperature", "retrieval_negatives",
                  "retrieval_sampled_negatives", "retrieval_sampling_alpha",
                  "retrieval_logq_correction")
SIMILARITY_ONLY = ("similarity_temperature",)

# keras_o2v's own hyperparameters, beyond SageMaker's (defaults on the dataclass).
EXTENSIONS = ("learning_rate_decay", "enc0_pooling", "enc1_pooling", "enc0_common_components",
              "enc1_common_components", "shared_encoder", "training_objective",
              *RETRIEVAL_ONLY, *SIMILARITY_ONLY, "early_stopping_metric", "ranking_metrics",
              "ranking_max_candidates", "ranking_filtered", "ranking_exclude_self",
              "calibration_base_rate",
              "validation_fraction", "validation_seed")

# Per-encoder fields: suffix -> (default, kind, allowed). kind is used by the parser.
_ENCODER_FIELDS = {
    "network": ("hcnn", "choice", NETWORKS),
    "max_seq_len": (None, "int", (1, 5000)),
    "vocab_size": (None, "int", (2, 3_000_000)),
    "token_embedding_dim": (300, "int", (2, 1000)),
    "layers": ("auto", "layers", (1, 4)),
    "cnn_filter_width": (3, "int", (1, 9)),
    "pretrained_embedding_file": ("", "filename", None),
    "vocab_file": ("", "filename", None),
    "freeze_pretrained_embedding": (True, "bool", None),
    "pooling": ("mean", "choice", POOLINGS),
    "common_components": ("auto", "layers", (0, 8)),
}

# Global fields: name -> (kind, allowed). Defaults live on the dataclass.
_GLOBAL_FIELDS = {
    "bucket_width": ("int", (0, 100)),
    "calibration_base_rate": ("float", (0.0, 0.999)),
    "comparator_list": ("comparators", COMPARATORS),
    "dropout": ("float", (0.0, 1.0)),
    "early_stopping_metric": ("choice", EARLY_STOPPING_METRICS),
    "early_stopping_patience": ("int", (1, 5)),
    "early_stopping_tolerance": ("float", (1e-6, 0.1)),
    "enc_dim": ("int", (4, 10000)),
    "epochs": ("int", (1, 100)),
    "learning_rate": ("float", (1e-6, 1.0)),
    "learning_rate_decay": ("float", (0.01, 1.0)),
    "mini_batch_size": ("int", (1, 10000)),
    "mlp_activation": ("choice", MLP_ACTIVATIONS),
    "mlp_dim": ("int", (2, 10000)),
    "mlp_layers": ("int", (0, 10)),
    "negative_sampling_rate": ("int", (0, 100)),
    "num_classes": ("int", (2, 30)),
    "optimizer": ("choice", OPTIMIZERS),
    "output_layer": ("choice", OUTPUT_LAYERS),
    "ranking_exclude_self": ("bool_or_auto", None),
    "ranking_filtered": ("bool", None),
    "ranking_max_candidates": ("int", (2, 10_000_000)),
    "ranking_metrics": ("bool_or_auto", None),
    "retrieval_logq_correction": ("bool", None),
    "retrieval_negatives": ("choice", RETRIEVAL_NEGATIVES),
    "retrieval_sampled_negatives": ("int", (0, 100_000)),
    "retrieval_sampling_alpha": ("float", (0.0, 1.0)),
    "retrieval_similarity": ("choice", SIMILARITIES),
    "retrieval_temperature": ("float_or_auto", (0.001, 100.0)),
    "shared_encoder": ("bool", None),
    "similarity_temperature": ("float", (0.001, 10.0)),
    "tied_token_embedding_weight": ("bool", None),
    "token_embedding_storage_type": ("choice", STORAGE_TYPES),
    "training_objective": ("choice", TRAINING_OBJECTIVES),
    "validation_fraction": ("float", (0.0, 0.5)),
    "validation_seed": ("int", (0, 2**31 - 1)),
    "weight_decay": ("float", (0.0, 10000.0)),
}


@dataclasses.dataclass(frozen=True)
class EncoderSettings:
    """The resolved settings of one encoder (after enc1 inheritance).

    Args:
        side: 0 or 1.
        network: `"hcnn"`, `"bilstm"` or `"pooled_embedding"`.
        max_seq_len: longer inputs are truncated to this many tokens.
        vocab_size: every token id must be `< vocab_size`; 0 is padding.
        token_embedding_dim: width of the token embedding table.
        layers: number of encoder layers (`auto` resolved per network).
        cnn_filter_width: convolution width (hcnn only).
        pretrained_embedding_file: file name in the auxiliary channel, or "".
        vocab_file: file name in the auxiliary channel, or "".
        freeze_pretrained_embedding: keep pretrained vectors fixed.
        pooling: how `pooled_embedding` combines token vectors (`POOLINGS`).
        common_components: principal directions removed from a pooled embedding
            (`auto` resolved: 1 for `sif`, else 0).
        inherited: names of the fields copied from enc0.
    """

    side: int
    network: str
    max_seq_len: int
    vocab_size: int
    token_embedding_dim: int
    layers: int
    cnn_filter_width: int
    pretrained_embedding_file: str
    vocab_file: str
    freeze_pretrained_embedding: bool
    pooling: str = "mean"
    common_components: int = 0
    inherited: Tuple[str, ...] = ()

    def output_dim(self, enc_dim):
        """Width of this encoder's embedding: token dim when pooled, else `enc_dim`."""
        return self.token_embedding_dim if self.network == "pooled_embedding" else enc_dim

    def describe(self, field):
        """`enc1_vocab_size=3` plus where the value came from, for error messages."""
        value = getattr(self, field)
        text = f"enc{self.side}_{field}={value}"
        if field in self.inherited:
            text += (
                f" (inherited from enc0_{field} because enc1_{field} was not set;"
                f" set enc1_{field} explicitly if in1 differs)"
            )
        return text


@dataclasses.dataclass(frozen=True)
class Hyperparameters:
    """Every hyperparameter of SageMaker Object2Vec, validated on construction.

    Field names are SageMaker's, plus keras_o2v's `EXTENSIONS` (see the module
    docstring). `enc1_*` fields default to `None`, meaning "not
    set": they are resolved by `encoder(1)` following the inheritance rule in the
    module docstring. Use `from_dict` for SageMaker's string map.

    Example:
    >>> hp = Hyperparameters.from_dict({
    ...     "enc0_max_seq_len": "1", "enc0_vocab_size": "944",
    ...     "enc0_network": "pooled_embedding", "enc1_vocab_size": "1684",
    ...     "output_layer": "mean_squared_error"})
    >>> hp.encoder(1).vocab_size, hp.encoder(1).network
    (1684, 'pooled_embedding')
    """

    enc0_max_seq_len: int
    enc0_vocab_size: int
    bucket_width: int = 0
    calibration_base_rate: float = 0.0
    comparator_list: Tuple[str, ...] = ("hadamard", "concat", "abs_diff")
    dropout: float = 0.0
    early_stopping_metric: str = "auto"
    early_stopping_patience: int = 3
    early_stopping_tolerance: float = 0.01
    enc_dim: int = 4096
    enc0_network: str = "hcnn"
    enc0_pooling: str = "mean"
    enc0_common_components: Union[str, int] = "auto"
    enc0_cnn_filter_width: int = 3
    enc0_freeze_pretrained_embedding: bool = True
    enc0_layers: Union[str, int] = "auto"
    enc0_pretrained_embedding_file: str = ""
    enc0_token_embedding_dim: int = 300
    enc0_vocab_file: str = ""
    enc1_network: str = "enc0"
    enc1_pooling: Optional[str] = None
    enc1_common_components: Optional[Union[str, int]] = None
    enc1_cnn_filter_width: Optional[int] = None
    enc1_freeze_pretrained_embedding: Optional[bool] = None
    enc1_layers: Optional[Union[str, int]] = None
    enc1_max_seq_len: Optional[int] = None
    enc1_pretrained_embedding_file: Optional[str] = None
    enc1_token_embedding_dim: Optional[int] = None
    enc1_vocab_file: Optional[str] = None
    enc1_vocab_size: Optional[int] = None
    epochs: int = 30
    learning_rate: float = 0.0004
    learning_rate_decay: float = 1.0
    mini_batch_size: int = 32
    mlp_activation: str = "linear"
    mlp_dim: int = 512
    mlp_layers: int = 2
    negative_sampling_rate: int = 0
    num_classes: int = 2
    optimizer: str = "adam"
    output_layer: str = "softmax"
    ranking_exclude_self: Union[str, bool] = "auto"
    ranking_filtered: bool = True
    ranking_max_candidates: int = 10_000
    ranking_metrics: Union[str, bool] = "auto"
    retrieval_logq_correction: bool = True
    retrieval_negatives: str = "auto"
    retrieval_sampled_negatives: int = 0
    retrieval_sampling_alpha: float = 0.0
    retrieval_similarity: str = "cosine"
    retrieval_temperature: Union[str, float] = "auto"
    shared_encoder: bool = False
    similarity_temperature: float = 0.05
    tied_token_embedding_weight: bool = False
    token_embedding_storage_type: str = "dense"
    training_objective: str = "pair"
    validation_fraction: float = 0.0
    validation_seed: int = 0
    weight_decay: float = 0.0

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name.startswith("enc1_") and value is None:
                continue
            object.__setattr__(self, field.name, parse_value(field.name, value))
        self._check_consistency()

    # === Construction ===
    @classmethod
    def from_dict(cls, mapping):
        """Builds from SageMaker's string map or Python values.

        Args:
            mapping: dict of hyperparameter name to value (strings accepted).
                SageMaker's infrastructure keys (`_kvstore`, ...) are ignored.

        Raises:
            HyperparameterError: unknown name, bad value, or a required one missing.
        """
        names = {field.name for field in dataclasses.fields(cls)}
        values = {}
        for key, value in mapping.items():
            if key in IGNORED_SAGEMAKER_KEYS:
                continue
            if key not in names:
                close = difflib.get_close_matches(key, sorted(names), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise HyperparameterError(f"Unknown hyperparameter '{key}'{hint}")
            values[key] = value
        for required in ("enc0_max_seq_len", "enc0_vocab_size"):
            if values.get(required) in (None, ""):
                raise HyperparameterError(
                    f"Missing required hyperparameter '{required}' "
                    f"(allowed: {describe_allowed(required)})"
                )
        return cls(**values)

    @classmethod
    def from_json(cls, path):
        """Reads a `hyperparameters.json` file (a JSON object)."""
        with open(path, encoding="utf-8") as f:
            try:
                mapping = json.load(f)
            except json.JSONDecodeError as error:
                raise HyperparameterError(f"{path}: not valid JSON: {error}") from None
        if not isinstance(mapping, dict):
            raise HyperparameterError(f"{path}: expected a JSON object of name -> value")
        return cls.from_dict(mapping)

    def to_dict(self):
        """JSON-ready dict; unset enc1 values are left out so they keep inheriting, and
        extensions at their default so that the map stays valid for SageMaker."""
        out = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None or (field.name in EXTENSIONS and value == field.default):
                continue
            out[field.name] = list(value) if isinstance(value, tuple) else value
        return out

    def to_string_map(self):
        """`to_dict` as SageMaker's hyperparameter map: every value a string.

        Booleans are `"True"` / `"False"` and `comparator_list` is
        `"hadamard, concat, abs_diff"`, as the SageMaker developer guide writes
        them; `from_dict` reads the map back to an equal `Hyperparameters`. This is
        what `o2v train` writes to `hyperparameters.json`, so the file can be passed
        to a SageMaker training job as it is.

        Example:
        >>> Hyperparameters(enc0_max_seq_len=1, enc0_vocab_size=9).to_string_map()["enc_dim"]
        '4096'
        """
        return {name: _to_string(value) for name, value in self.to_dict().items()}

    def replace(self, **changes):
        """A copy with some values changed (validated again)."""
        return dataclasses.replace(self, **changes)

    # === Derived settings ===
    def encoder(self, side):
        """Resolved `EncoderSettings` for encoder `side` (0 or 1)."""
        enc0 = {suffix: getattr(self, f"enc0_{suffix}") for suffix in _ENCODER_FIELDS}
        if side == 0:
            return _make_settings(0, enc0, ())
        if side != 1:
            raise ValueError(f"side must be 0 or 1, got {side!r}")
        copy_all = self.enc1_network == "enc0"
        enc1, inherited = {}, []
        for suffix, (default, _, _) in _ENCODER_FIELDS.items():
            explicit = getattr(self, f"enc1_{suffix}")
            if suffix == "network":
                explicit = None if copy_all else explicit
            if explicit is not None:
                enc1[suffix] = explicit
            elif copy_all or default is None:
                enc1[suffix] = enc0[suffix]
                inherited.append(suffix)
            else:
                enc1[suffix] = default
        return _make_settings(1, enc1, tuple(inherited))

    @property
    def is_classification(self):
        return self.output_layer == "softmax"

    @property
    def effective_bucket_width(self):
        """The bucket width batching uses: `bucket_width`, or 0 under `row_sparse`."""
        return 0 if self.token_embedding_storage_type == "row_sparse" else self.bucket_width

    @property
    def weighted_pooling_sides(self):
        """The encoder sides whose pooling weighs tokens by frequency (`idf`, `sif`)."""
        return tuple(side for side in (0, 1) if self.encoder(side).pooling in WEIGHTED_POOLINGS)

    @property
    def one_token_table(self):
        """Whether both sides read one token table (`tied_token_embedding_weight`, `shared_encoder`)."""
        return self.tied_token_embedding_weight or self.shared_encoder

    @property
    def is_retrieval(self):
        """Whether the pair score is a similarity trained by softmax over candidates."""
        return self.training_objective == "retrieval"

    @property
    def single_token_in1(self):
        """Whether every in1 object is one token (`enc1_max_seq_len=1`: longer ones are cut)."""
        return self.encoder(1).max_seq_len == 1

    @property
    def negatives(self):
        """`retrieval_negatives` resolved: "full", "in_batch" or "sampled"."""
        if self.retrieval_negatives != "auto":
            return self.retrieval_negatives
        small = self.encoder(1).vocab_size <= AUTO_FULL_SOFTMAX_MAX_VOCAB
        return "full" if self.single_token_in1 and small else "in_batch"

    @property
    def reports_ranking_metrics(self):
        """Whether the job computes the ranking metrics (`ranking_metrics` resolved)."""
        if self.ranking_metrics == "auto":
            return self.is_retrieval or is_ranking(self.early_stopping_metric)
        return self.ranking_metrics

    @property
    def binary_labels(self):
        """Whether labels are the classes 0 and 1 (then `auc` is defined)."""
        return self.is_classification and self.num_classes == 2

    def optimizer_arguments(self):
        """The arguments of `keras_o2v.optimizers.make_optimizer` these values name."""
        return {"name": self.optimizer, "learning_rate": self.learning_rate,
                "weight_decay": self.weight_decay, "storage_type": self.token_embedding_storage_type}

    # === Validation ===
    def _check_consistency(self):
        enc0, enc1 = self.encoder(0), self.encoder(1)
        d0, d1 = enc0.output_dim(self.enc_dim), enc1.output_dim(self.enc_dim)
        if d0 != d1:
            raise HyperparameterError(
                f"The comparator needs equal encoder output widths, but enc0 gives {d0} and "
                f"enc1 gives {d1}. pooled_embedding outputs its token_embedding_dim; hcnn "
                f"and bilstm output enc_dim={self.enc_dim}. Make them agree."
            )
        if self.shared_encoder:
            for field in ("network", "vocab_size", "token_embedding_dim", "layers",
                          "cnn_filter_width", "pooling", "common_components"):
                if getattr(enc0, field) != getattr(enc1, field):
                    raise HyperparameterError(
                        "shared_encoder=True runs both sides through enc0's encoder and "
                        f"token table, so both sides need the same {field}, but "
                        f"{enc0.describe(field)} and {enc1.describe(field)}. Leave enc1_{field} "
                        "unset (enc1_network=enc0 copies enc0's settings).")
        if self.tied_token_embedding_weight:
            for field in ("vocab_size", "token_embedding_dim"):
                if getattr(enc0, field) != getattr(enc1, field):
                    raise HyperparameterError(
                        "tied_token_embedding_weight=True shares one token table, so both "
                        f"sides need the same {field}, but {enc0.describe(field)} and "
                        f"{enc1.describe(field)}."
                    )
        _check_pretrained(self, enc0, enc1)
        for enc in (enc0, enc1):
            if enc.pooling != "mean" and enc.network != "pooled_embedding":
                raise HyperparameterError(
                    f"{enc.describe('pooling')} applies only to enc{enc.side}_network="
                    f"pooled_embedding, but {enc.describe('network')}. Leave it at mean."
                )
            if enc.common_components and enc.network != "pooled_embedding":
                raise HyperparameterError(
                    f"{enc.describe('common_components')} applies only to enc{enc.side}_network="
                    f"pooled_embedding, but {enc.describe('network')}. Leave it at auto.")
        if self.token_embedding_storage_type == "row_sparse" and \
                self.optimizer not in ROW_SPARSE_OPTIMIZERS:
            raise HyperparameterError(
                "token_embedding_storage_type=row_sparse updates the token tables lazily, "
                f"which SageMaker allows only with optimizer in {', '.join(ROW_SPARSE_OPTIMIZERS)}"
                f", but optimizer={self.optimizer}. Use one of those, or "
                "token_embedding_storage_type=dense."
            )
        if self.negative_sampling_rate and not self.is_classification:
            raise HyperparameterError(
                f"negative_sampling_rate={self.negative_sampling_rate} labels generated "
                "negatives as class 0, which needs output_layer=softmax, but "
                f"output_layer={self.output_layer}."
            )
        _check_retrieval(self)
        _check_similarity(self)
        _check_ranking_and_calibration(self)


def _check_similarity(hp):
    """`similarity_*` values need `training_objective=similarity`, which needs scores or 0/1."""
    if hp.training_objective != "similarity":
        for name in SIMILARITY_ONLY:
            if getattr(hp, name) != _DEFAULTS[name]:
                raise HyperparameterError(
                    f"{name}={getattr(hp, name)} applies only to training_objective=similarity, "
                    f"but training_objective={hp.training_objective}.")
        return
    if hp.is_classification and hp.num_classes != 2:
        raise HyperparameterError(
            "training_objective=similarity ranks pairs by their labels, which must be scores "
            f"(output_layer=mean_squared_error) or 0/1, but num_classes={hp.num_classes}. "
            "For classes without an order use training_objective=pair.")


def _check_retrieval(hp):
    """`retrieval_*` values need retrieval mode; retrieval mode needs positive/negative labels."""
    if not hp.is_retrieval:
        for name in RETRIEVAL_ONLY:
            value = getattr(hp, name)
            if value != _DEFAULTS[name]:
                raise HyperparameterError(
                    f"{name}={value} applies only to training_objective=retrieval, but "
                    f"training_objective={hp.training_objective}. Set "
                    "training_objective=retrieval, or leave it out.")
        return
    if hp.negative_sampling_rate:
        raise HyperparameterError(
            f"negative_sampling_rate={hp.negative_sampling_rate} makes label-0 pairs, which "
            "training_objective=retrieval does not train on (its softmax takes the other "
            "candidates as negatives). Set negative_sampling_rate=0; for more negatives "
            "raise mini_batch_size or retrieval_sampled_negatives.")
    if hp.is_classification and hp.num_classes != 2:
        raise HyperparameterError(
            f"training_objective=retrieval reads label 1 as a positive pair and label 0 as "
            f"a negative one, but num_classes={hp.num_classes}. Use num_classes=2, or "
            "output_layer=mean_squared_error (a score > 0 is a positive pair).")
    enc1 = hp.encoder(1)
    if hp.negatives in ("full", "sampled") and not hp.single_token_in1:
        raise HyperparameterError(
            f"retrieval_negatives={hp.negatives} takes its candidates from the in1 "
            f"vocabulary, so in1 must be one token, but {enc1.describe('max_seq_len')}. "
            "Set enc1_max_seq_len=1, or use retrieval_negatives=in_batch.")
    if hp.negatives == "sampled" and not hp.retrieval_sampled_negatives:
        raise HyperparameterError(
            "retrieval_negatives=sampled needs retrieval_sampled_negatives >= 1 (the "
            "number of candidates drawn per batch).")
    if hp.retrieval_sampled_negatives and hp.negatives == "full":
        chosen = "retrieval_negatives=full" if hp.retrieval_negatives == "full" else (
            "retrieval_negatives=auto, which chose full (a one-token in1 with at most "
            f"{AUTO_FULL_SOFTMAX_MAX_VOCAB} ids)")
        raise HyperparameterError(
            f"retrieval_sampled_negatives={hp.retrieval_sampled_negatives} has no use with "
            f"{chosen}: every in1 id is already a candidate. Set it to 0, or "
            "retrieval_negatives=in_batch.")
    if hp.retrieval_sampled_negatives and not hp.single_token_in1:
        raise HyperparameterError(
            f"retrieval_sampled_negatives={hp.retrieval_sampled_negatives} draws in1 ids from "
            f"the vocabulary, so in1 must be one token, but {enc1.describe('max_seq_len')}. "
            "Set it to 0 and raise mini_batch_size for more in-batch negatives.")
    if hp.retrieval_sampling_alpha != _DEFAULTS["retrieval_sampling_alpha"] and \
            not hp.retrieval_sampled_negatives:
        raise HyperparameterError(
            f"retrieval_sampling_alpha={hp.retrieval_sampling_alpha} shapes the distribution "
            "of sampled negatives, but retrieval_sampled_negatives=0.")


def _check_ranking_and_calibration(hp):
    metric = hp.early_stopping_metric.rpartition(":")[2]
    needs = {"cross_entropy": ("pair", "softmax"), "accuracy": ("pair", "softmax"),
             "mean_squared_error": ("pair", "mean_squared_error"),
             "retrieval_cross_entropy": ("retrieval", None),
             "similarity_ranking_loss": ("similarity", None), "pearson": ("similarity", None)}
    if metric in needs:
        objective, output_layer = needs[metric]
        if hp.training_objective != objective or output_layer not in (None, hp.output_layer):
            wanted = f"training_objective={objective}" + (
                f" and output_layer={output_layer}" if output_layer else "")
            raise HyperparameterError(
                f"early_stopping_metric={hp.early_stopping_metric} is reported only with "
                f"{wanted}, but training_objective={hp.training_objective}, "
                f"output_layer={hp.output_layer}.")
    if is_ranking(metric) and hp.ranking_metrics is False:
        raise HyperparameterError(
            f"early_stopping_metric={hp.early_stopping_metric} is a ranking metric, but "
            "ranking_metrics=False switches them off.")
    if metric == "auc" and not hp.binary_labels:
        raise HyperparameterError(
            "early_stopping_metric=validation:auc needs binary labels (output_layer=softmax, "
            f"num_classes=2), but output_layer={hp.output_layer}, num_classes={hp.num_classes}.")
    if hp.reports_ranking_metrics and hp.is_classification and hp.num_classes != 2:
        raise HyperparameterError(
            f"Ranking needs one score per pair: P(label 1) of num_classes=2, a regression "
            f"score or a retrieval similarity, but num_classes={hp.num_classes}. Set "
            "ranking_metrics=False.")
    if hp.calibration_base_rate:
        if hp.training_objective != "pair" or not hp.binary_labels:
            raise HyperparameterError(
                f"calibration_base_rate={hp.calibration_base_rate} corrects P(label 1) of a "
                "pair classifier, which needs training_objective=pair, output_layer=softmax "
                f"and num_classes=2, but training_objective={hp.training_objective}, "
                f"output_layer={hp.output_layer}, num_classes={hp.num_classes}.")


def _check_pretrained(hp, enc0, enc1):
    """A pretrained file needs its vocab file; one shared table needs one source."""
    for enc in (enc0, enc1):
        if enc.pretrained_embedding_file and not enc.vocab_file:
            raise HyperparameterError(
                f"{enc.describe('pretrained_embedding_file')} needs enc{enc.side}_vocab_file: "
                "the JSON vocabulary (in the auxiliary channel) that maps the file's tokens "
                f"to the ids of in{enc.side}."
            )
    named = [enc for enc in (enc0, enc1) if enc.pretrained_embedding_file]
    if hp.one_token_table and len(named) == 2:
        for field in ("pretrained_embedding_file", "vocab_file", "freeze_pretrained_embedding"):
            if getattr(enc0, field) != getattr(enc1, field):
                raise HyperparameterError(
                    "tied_token_embedding_weight=True shares one token table, which is "
                    f"initialised once, but {enc0.describe(field)} and {enc1.describe(field)}. "
                    f"Give both sides the same value, or set the pretrained file on one side only."
                )


def _make_settings(side, values, inherited):
    layers = values["layers"]
    if layers == "auto":
        layers = AUTO_LAYERS[values["network"]]
    components = values["common_components"]
    if components == "auto":
        components = 1 if values["network"] == "pooled_embedding" and values["pooling"] == "sif" else 0
    return EncoderSettings(side=side, inherited=inherited,
                           **{**values, "layers": layers, "common_components": components})


def field_spec(name):
    """`(kind, allowed)` of a hyperparameter: its parser kind and range or choices."""
    if name in _GLOBAL_FIELDS:
        return _GLOBAL_FIELDS[name]
    if name == "enc1_network":
        return "choice", ("enc0",) + NETWORKS
    _, kind, allowed = _ENCODER_FIELDS[name[len("encN_"):]]
    return kind, allowed


def describe_allowed(name):
    """What a hyperparameter accepts, in words, for error messages."""
    kind, allowed = field_spec(name)
    if kind == "choice":
        return "one of " + ", ".join(allowed)
    if kind == "comparators":
        return "a comma-separated list of " + ", ".join(allowed)
    if kind == "bool":
        return "True or False"
    if kind == "bool_or_auto":
        return "auto, True or False"
    if kind == "float_or_auto":
        return f"'auto' or a number in [{allowed[0]}, {allowed[1]}]"
    if kind == "layers":
        return f"'auto' or an integer in [{allowed[0]}, {allowed[1]}]"
    if kind == "filename":
        return "a file name of letters, digits, '.' and '_'"
    low, high = allowed
    return f"{'an integer' if kind == 'int' else 'a number'} in [{low}, {high}]"


def parse_value(name, value):
    """Parses and range-checks one value (string or Python) of hyperparameter `name`."""
    kind, allowed = field_spec(name)

    def bad(reason=""):
        return HyperparameterError(
            f"Invalid value {value!r} for hyperparameter '{name}'{reason}: "
            f"expected {describe_allowed(name)}"
        )

    if isinstance(value, str):
        value = value.strip()
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad()
    if kind == "bool_or_auto":
        if isinstance(value, str) and value.lower() == "auto":
            return "auto"
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad()
    if kind == "float_or_auto" and isinstance(value, str) and value.lower() == "auto":
        return "auto"
    if kind == "choice":
        if not isinstance(value, str) or value.lower() not in allowed:
            raise bad()
        return value.lower()
    if kind == "comparators":
        items = value.split(",") if isinstance(value, str) else value
        try:
            ops = tuple(str(item).strip().lower() for item in items)
        except TypeError:
            raise bad() from None
        if not ops or any(op not in allowed for op in ops):
            raise bad()
        if len(set(ops)) != len(ops):
            raise bad(" (an operator is listed twice)")
        return ops
    if kind == "filename":
        if not isinstance(value, str) or not all(c.isalnum() or c in "._-" for c in value):
            raise bad()
        return value
    if kind == "layers" and isinstance(value, str) and value.lower() == "auto":
        return "auto"
    number = _to_number(value, integer=kind in ("int", "layers"))
    if number is None:
        raise bad()
    low, high = allowed
    if not low <= number <= high:
        raise bad(" (out of range)")
    return number


def _to_number(value, integer):
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        return None
    if integer:
        if float(value) != int(value):
            return None
        return int(value)
    return float(value)


def _to_string(value):
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


_DEFAULTS = {field.name: field.default for field in dataclasses.fields(Hyperparameters)}
