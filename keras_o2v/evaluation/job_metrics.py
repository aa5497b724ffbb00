"""The training job's ranking metrics: `validation:*` every epoch and `test:*` for the kept model.

Example:
>>> tasks = job_ranking_tasks(hp, "train.jsonl", "val.jsonl", None)  # doctest: +SKIP
>>> channel_metrics(tasks, "validation", model)  # doctest: +SKIP
{'validation:hits_at_1': 0.21, ..., 'validation:mean_rank': 14.2}
"""

from keras_o2v.evaluation.channel_ranking import build_ranking_tasks
from keras_o2v.evaluation.model_scorer import ModelScorer


def job_ranking_tasks(hp, train, validation, test, printer=print):
    """The ranking tasks of a training job (validation and test), when it reports them.

    Candidates are the in1 objects of train, validation and test; the known
    positives of all three are filtered out (unless `ranking_filtered=False`, then
    only the true pair itself is: TensorFlow Recommenders' `FactorizedTopK`, where a
    query's training positives compete with the pair ranked), and a query's own object
    as `ranking_exclude_self` says. Prints what is ranked.

    Returns:
        `{"validation": RankingTask, "test": RankingTask}` (those channels given), or
        `{}` when `hp.reports_ranking_metrics` is false.
    """
    channels = {name: channel for name, channel in (("validation", validation), ("test", test))
                if channel is not None}
    if not hp.reports_ranking_metrics or not channels:
        return {}
    tasks = build_ranking_tasks(hp, channels, known=[train], filtered=hp.ranking_filtered)
    for task in tasks.values():
        printer(f"Ranking metrics on {task.describe()}.", flush=True)
    return tasks


def channel_metrics(tasks, channel, model):
    """`{"<channel>:hits_at_10": ..., ...}` of `model` on `tasks[channel]`, or `{}`."""
    task = tasks.get(channel)
    if task is None:
        return {}
    return {f"{channel}:{name}": value for name, value in task.evaluate(ModelScorer(model)).items()}
