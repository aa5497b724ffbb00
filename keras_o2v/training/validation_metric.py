"""Which validation value drives early stopping and the kept epoch (`early_stopping_metric`).

`auto` (the default) is SageMaker's rule on the validation loss (Keras' `val_loss`:
cross-entropy, mean squared error, or the retrieval cross-entropy). Any other value
names a `validation:*` metric the job reports (`keras_o2v.metric_names`), ranking
metrics included; its direction (higher or lower is better) comes with the name. On a
loss `early_stopping_tolerance` is in the loss's units (SageMaker's rule); on a metric
with a best possible value (`accuracy`, `hits_at_k`, `mrr`, `auc`, `mean_rank`) it is
the share of the gap left to that value that an epoch must close
(`keras_o2v.training.early_stopping`).
"""

from keras_o2v.errors import O2VError
from keras_o2v.metric_names import best_possible, direction
from keras_o2v.training.early_stopping import SageMakerEarlyStopping


def make_early_stopping(hp):
    """The `SageMakerEarlyStopping` rule for the hyperparameters' metric, direction and scale."""
    metric = hp.early_stopping_metric
    if metric == "auto":
        return SageMakerEarlyStopping(hp.early_stopping_patience, hp.early_stopping_tolerance)
    return SageMakerEarlyStopping(hp.early_stopping_patience, hp.early_stopping_tolerance,
                                  direction(metric), best_possible(metric))


def describe(hp):
    """The metric's name as job messages say it."""
    metric = hp.early_stopping_metric
    return "validation loss" if metric == "auto" else metric


def early_stopping_value(hp, logs, metrics):
    """The value of this epoch's early-stopping metric.

    Args:
        hp: the job's `Hyperparameters`.
        logs: Keras' epoch logs (`val_loss`, ...).
        metrics: the epoch's metrics under SageMaker names (`validation:mrr`, ...).
    """
    metric = hp.early_stopping_metric
    if metric == "auto":
        return logs["val_loss"]
    if metric not in metrics:
        raise O2VError(f"early_stopping_metric={metric} was not reported this epoch "
                       f"(reported: {', '.join(sorted(metrics))}).")
    return metrics[metric]


def check_has_validation(hp, validation):
    """A chosen early-stopping metric needs the validation channel it is measured on."""
    if hp.early_stopping_metric != "auto" and validation is None:
        raise O2VError(f"early_stopping_metric={hp.early_stopping_metric} is measured on the "
                       "validation channel, and the job has none (--validation).")
