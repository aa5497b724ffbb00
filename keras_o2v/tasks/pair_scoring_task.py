"""`PairScoringTask`: SageMaker's network on top of the encoders (comparator, MLP, output)."""

import keras
from keras import ops

from keras_o2v.errors import O2VError
from keras_o2v.layers.comparator import OPERATIONS, Comparator
from keras_o2v.layers.prior_correction import PriorCorrection, log_odds_shift
from keras_o2v.tasks.task import Task, weighted_batch_mean

MLP_ACTIVATIONS = ("tanh", "relu", "linear")


@keras.saving.register_keras_serializable(package="keras_o2v")
class PairScoringTask(Task):
    """Scores a pair by a comparator and an MLP: SageMaker's classifier or regressor.

    Called on `[e0, e1]`, it returns `comparator -> mlp_layers x (Dense(mlp_dim) ->
    mlp_activation -> Dropout(dropout)) -> output`: softmax probabilities over
    `num_classes` (trained by cross-entropy; metrics `accuracy` and `cross_entropy`),
    or with `num_classes=None` one regression value (trained by mean squared error;
    metric `mean_squared_error`), SageMaker's `training_objective=pair` network.
    With the comparator `[u, v, |u - v|, u * v]` and a softmax this is also InferSent's
    pair classifier.

    With `calibrated=True` (SageMaker's `calibration_base_rate` > 0, two classes) the
    output layer gives logits and a `PriorCorrection` the probabilities: `adapt`
    measures the training share of positives and `base_rate` is the share of the
    data the model will score.

    Args:
        comparators: the comparator's operations, in order (`comparator_list`).
        mlp_layers: hidden layers (0: the comparator feeds the output layer).
        mlp_dim: width of each hidden layer.
        mlp_activation: "tanh", "relu" or "linear".
        dropout: dropout rate after each hidden layer.
        num_classes: number of classes, or None for regression.
        base_rate: 0, or the base rate the probabilities of class 1 are
            corrected to (two classes only).
        **kwargs: forwarded to `keras.layers.Layer`.

    Example:
    >>> task = keras_o2v.tasks.PairScoringTask(mlp_layers=1, mlp_dim=8, num_classes=2)
    >>> task([np.ones((3, 4)), np.ones((3, 4))]).shape
    TensorShape([3, 2])
    """

    def __init__(self, comparators=OPERATIONS, mlp_layers=2, mlp_dim=512, mlp_activation="linear",
                 dropout=0.0, num_classes=2, base_rate=0.0, **kwargs):
        super().__init__(**kwargs)
        if mlp_activation not in MLP_ACTIVATIONS:
            raise ValueError(f"mlp_activation must be one of {MLP_ACTIVATIONS}, got {mlp_activation!r}")
        if base_rate and num_classes != 2:
            raise ValueError(f"base_rate applies to two classes, got num_classes={num_classes}")
        self.comparators = tuple(comparators)
        self.mlp_layers = int(mlp_layers)
        self.mlp_dim = int(mlp_dim)
        self.mlp_activation = mlp_activation
        self.dropout = float(dropout)
        self.num_classes = None if num_classes is None else int(num_classes)
        self.base_rate = float(base_rate)

        self.comparator = Comparator(self.comparators, name="comparator")
        activation = None if mlp_activation == "linear" else mlp_activation
        self.mlp = []
        for i in range(self.mlp_layers):
            self.mlp.append(keras.layers.Dense(mlp_dim, activation=activation, name=f"mlp_fc{i}"))
            self.mlp.append(keras.layers.Dropout(dropout, name=f"mlp_dropout{i}"))
        softmax = self.is_classification and not self.base_rate
        self.output_layer = keras.layers.Dense(
            self.num_outputs, activation="softmax" if softmax else None, name="output_layer")
        self.prior_correction = PriorCorrection(name="prior_correction") if self.base_rate else None
        self.loss_tracker = keras.metrics.Mean(name="loss")
        if self.is_classification:
            self.scores_metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
                                   keras.metrics.SparseCategoricalCrossentropy(name="cross_entropy")]
        else:
            self.scores_metrics = [keras.metrics.MeanSquaredError(name="mean_squared_error")]

    @property
    def is_classification(self):
        return self.num_classes is not None

    @property
    def num_outputs(self):
        """Width of the scores: `num_classes`, or 1 for regression."""
        return self.num_classes if self.is_classification else 1

    @property
    def flat_layers(self):
        layers = [self.comparator, *self.mlp, self.output_layer]
        return layers + ([self.prior_correction] if self.prior_correction is not None else [])

    @property
    def metrics(self):
        return [self.loss_tracker, *self.scores_metrics]

    def build(self, embeddings_shape):
        self.comparator.build(embeddings_shape)
        shape = self.comparator.compute_output_shape(embeddings_shape)
        for layer in self.mlp:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.output_layer.build(shape)
        self.built = True

    # === Scores ===
    def hidden(self, embeddings, training=None):
        x = self.comparator(embeddings)
        for layer in self.mlp:
            x = layer(x, training=training)
        return x

    def call(self, embeddings, training=None):
        scores = self.output_layer(self.hidden(embeddings, training=training))
        if self.prior_correction is not None:
            return self.prior_correction(scores, training=training)
        return scores

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], self.num_outputs)

    def score_matrix(self, queries, candidates, positive_class=None, logits=False,
                     pairwise=False):
        num_queries, num_candidates = ops.shape(queries)[0], ops.shape(candidates)[0]
        if pairwise:
            pairs = [queries, candidates]
        else:
            pairs = [ops.repeat(queries, num_candidates, axis=0),
                     ops.tile(candidates, [num_queries, 1])]
        x = self.hidden(pairs, training=False)
        if not self.is_classification:
            score = self.output_layer(x)[:, 0]
        else:
            column = self.num_classes - 1 if positive_class is None else positive_class
            if logits or self.prior_correction is not None:
                z = ops.matmul(x, self.output_layer.kernel) + self.output_layer.bias
            if logits:  # log-odds of the class against all others
                others = ops.concatenate([z[:, :column], z[:, column + 1:]], axis=1)
                score = z[:, column] - ops.logsumexp(others, axis=1)
            elif self.prior_correction is not None:
                score = self.prior_correction(z, training=False)[:, column]
            else:
                score = self.output_layer(x)[:, column]
        return score if pairwise else ops.reshape(score, (num_queries, num_candidates))

    # === Training ===
    def compute_loss(self, embeddings, y, sample_weight=None, training=False, inputs=None,
                     backbone=None):
        scores = self(embeddings, training=training)
        if self.is_classification:
            labels = ops.reshape(y, (-1,))
            losses = keras.losses.sparse_categorical_crossentropy(labels, scores)
        else:
            labels = ops.reshape(ops.cast(y, scores.dtype), (-1, 1))
            losses = keras.losses.mean_squared_error(labels, scores)
        loss = weighted_batch_mean(losses, sample_weight)
        self.loss_tracker.update_state(loss, sample_weight=ops.shape(scores)[0])
        for metric in self.scores_metrics:
            metric.update_state(labels, scores, sample_weight=sample_weight)
        return loss

    def adapt(self, statistics, negative_sampling_rate=0):
        """With `base_rate`, measures the training prior and sets the correction."""
        if not self.base_rate:
            return
        rate = statistics.positive_rate(negative_sampling_rate)
        if not 0.0 < rate < 1.0:
            raise O2VError(
                f"calibration_base_rate={self.base_rate} needs both labels in the train data, "
                f"but it holds {statistics.positives} positives and {statistics.negatives} "
                f"negatives (negative_sampling_rate={negative_sampling_rate}).")
        self.prior_correction.set_shift(log_odds_shift(rate, self.base_rate))

    def get_config(self):
        return {**super().get_config(), "comparators": list(self.comparators),
                "mlp_layers": self.mlp_layers, "mlp_dim": self.mlp_dim,
                "mlp_activation": self.mlp_activation, "dropout": self.dropout,
                "num_classes": self.num_classes, "base_rate": self.base_rate}
