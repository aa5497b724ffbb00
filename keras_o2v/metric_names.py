"""Metric names of the training job, their directions and what each needs. TF-free.

SageMaker reports `<channel>:<metric>` (`validation:cross_entropy`, `test:accuracy`,
...; https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-tuning.html).
keras_o2v adds, under the same naming:

- `retrieval_cross_entropy`: the softmax cross-entropy over candidates of
  `training_objective=retrieval` (in place of the pair model's `cross_entropy`);
- `similarity_ranking_loss` and `pearson`: the CoSENT loss of
  `training_objective=similarity` and the channel's correlation of cosines with labels;
- the ranking metrics of `keras_o2v.evaluation`: `hits_at_1`, `hits_at_10`,
  `hits_at_100`, `mrr`, `mean_rank` and `auc`.

`early_stopping_metric` and `o2v tune --objective` take these names; the direction
(higher or lower is better) comes from `DIRECTIONS`, and the best possible value of a
bounded metric (which makes the early-stopping tolerance a share of the gap left to it,
`keras_o2v.training.early_stopping`) from `BEST_POSSIBLE`.

Example:
>>> direction("validation:mean_rank"), direction("test:hits_at_10")
('min', 'max')
"""

RANKING_KS = (1, 10, 100)
RANKING_METRICS = tuple(f"hits_at_{k}" for k in RANKING_KS) + ("mrr", "mean_rank", "auc")
# Metrics of the pair model (SageMaker's) and of the retrieval model.
PAIR_CLASSIFICATION_METRICS = ("accuracy", "cross_entropy")
PAIR_REGRESSION_METRICS = ("mean_squared_error",)
RETRIEVAL_METRICS = ("retrieval_cross_entropy",)
SIMILARITY_METRICS = ("similarity_ranking_loss", "pearson")

DIRECTIONS = {
    "accuracy": "max",
    "cross_entropy": "min",
    "perplexity": "min",
    "mean_squared_error": "min",
    "retrieval_cross_entropy": "min",
    "similarity_ranking_loss": "min",
    "pearson": "max",
    **{f"hits_at_{k}": "max" for k in RANKING_KS},
    "mrr": "max",
    "mean_rank": "min",
    "auc": "max",
}

# Metrics with a best possible value; losses (and perplexity) have none.
BEST_POSSIBLE = {
    "accuracy": 1.0,
    **{f"hits_at_{k}": 1.0 for k in RANKING_KS},
    "mrr": 1.0,
    "mean_rank": 1.0,
    "auc": 1.0,
}

CHANNELS = ("train", "validation", "test")

# `early_stopping_metric` values: "auto" is SageMaker's rule on the validation loss.
EARLY_STOPPING_METRICS = ("auto",) + tuple(
    f"validation:{name}" for name in ("cross_entropy", "accuracy", "mean_squared_error",
                                      "retrieval_cross_entropy", *SIMILARITY_METRICS)
    + RANKING_METRICS)


def split(name):
    """`("validation", "mrr")` for `"validation:mrr"`; raises `ValueError` on other shapes."""
    channel, sep, metric = name.partition(":")
    if not sep or channel not in CHANNELS or metric not in DIRECTIONS:
        raise ValueError(f"{name!r} is not a metric name: expected <channel>:<metric> with a "
                         f"channel in {', '.join(CHANNELS)} and a metric in {', '.join(DIRECTIONS)}")
    return channel, metric


def direction(name):
    """"max" or "min": whether a higher or a lower value of metric `name` is better."""
    return DIRECTIONS[split(name)[1]]


def best_possible(name):
    """The best value metric `name` (`validation:auc` or `auc`) can take, or None (a loss)."""
    return BEST_POSSIBLE.get(name.rpartition(":")[2])


def is_ranking(name):
    """Whether `name` (`validation:mrr` or `mrr`) is a ranking metric."""
    return name.rpartition(":")[2] in RANKING_METRICS
