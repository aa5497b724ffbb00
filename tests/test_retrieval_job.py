"""Retrieval mode in the training job: what it says, what it learns, what it keeps."""

import json

import numpy as np
import pytest

from keras_o2v.training import train
from tests.harness import write_jsonl
from tests.retrieval_data import GROUPS, ITEMS, group_pairs, hyperparameters


@pytest.fixture(scope="module")
def channels(tmp_path_factory):
    folder = tmp_path_factory.mktemp("retrieval")
    train_records = group_pairs(6, seed=1)
    train_records += [{"label": 0, "in0": [1], "in1": [2]}, {"label": 0, "in0": [3], "in1": [3]}]
    return {"train": write_jsonl(folder / "train.jsonl", train_records),
            "validation": write_jsonl(folder / "validation.jsonl", group_pairs(2, seed=2)),
            "test": write_jsonl(folder / "test.jsonl", group_pairs(2, seed=3))}


@pytest.fixture(scope="module")
def job(tmp_path_factory, channels):
    """A retrieval job with in-batch negatives, its printed lines and its model_dir."""
    import contextlib
    import io

    model_dir = tmp_path_factory.mktemp("job")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = train(hyperparameters(retrieval_negatives="in_batch", epochs="6"),
                       model_dir=model_dir, seed=0, verbose=0, **channels)
    return result, printed.getvalue(), model_dir


def test_retrieval_job_says_what_trains_and_learns_the_groups(job):
    result, out, tmp_path = job
    assert "360 positive pairs (label > 0) are softmax targets" in out
    assert "2 pairs with label 0 are not softmax targets" in out
    assert ", validation:retrieval_cross_entropy=" in out and ", test:retrieval_cross_entropy=" in out
    saved = json.loads((tmp_path / "hyperparameters.json").read_text())
    assert saved["training_objective"] == "retrieval" and "retrieval_similarity" not in saved
    model = result.model
    users = np.arange(1, 61)
    scores = model.predict({"in0": np.repeat(users, ITEMS)[:, None],
                            "in1": np.tile(np.arange(1, ITEMS + 1), len(users))[:, None]},
                           verbose=0).reshape(len(users), ITEMS)
    same_group = (users[:, None] % GROUPS) == (np.arange(1, ITEMS + 1)[None, :] % GROUPS)
    # every user scores its own group's items above the others far more often than chance
    assert scores[same_group].mean() > scores[~same_group].mean() + 0.3
    top10 = np.argsort(-scores, axis=1)[:, :10]
    assert same_group[np.arange(len(users))[:, None], top10].mean() > 0.6  # chance: 0.1


def test_ranking_metrics_are_reported_and_better_than_chance(job, channels):
    _, out, tmp_path = job
    items = {r["in1"][0] for path in channels.values() for r in map(json.loads, open(path))}
    assert (f"Ranking metrics on validation: 120 positive pairs of 60 queries ranked among "
            f"{len(items)} candidates (filtered") in out
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    for channel in ("validation", "test"):
        names = [f"{channel}:{m}" for m in ("hits_at_1", "hits_at_10", "hits_at_100", "mrr",
                                             "mean_rank")]
        values = metrics["test"] if channel == "test" else metrics["epochs"][-1]
        assert all(name in values and f", {name}=" in out for name in names)
    test = metrics["test"]
    # chance: a user's 2 test items among 100 - 6 filtered = 94 candidates
    assert test["test:hits_at_10"] > 0.6 and test["test:mean_rank"] < 15
    assert test["test:hits_at_100"] == 1.0


def test_early_stopping_on_a_ranking_metric_keeps_its_best_epoch(tmp_path):
    """Noisy train pairs: the validation loss is lowest early, the ranking best later."""
    from keras_o2v import Hyperparameters
    from keras_o2v.evaluation import ModelScorer, build_ranking_tasks

    rng = np.random.default_rng(5)
    noise = [{"label": 1, "in0": [user], "in1": [int(item)]}
             for user in range(1, 61) for item in rng.integers(1, ITEMS + 1, size=6)]
    channels = {"train": write_jsonl(tmp_path / "train.jsonl", group_pairs(3, seed=1) + noise),
                "validation": write_jsonl(tmp_path / "validation.jsonl", group_pairs(3, seed=2))}
    metric = "validation:mrr"
    hp = hyperparameters(epochs="7", early_stopping_metric=metric, early_stopping_patience="5",
                         early_stopping_tolerance="0.001", learning_rate="0.05",
                         retrieval_similarity="dot")
    result = train(hp, model_dir=tmp_path / "job", seed=0, verbose=0, **channels)
    mrr = [epoch[metric] for epoch in result.history]
    losses = [epoch["validation:retrieval_cross_entropy"] for epoch in result.history]
    assert result.best_epoch == int(np.argmax(mrr)) != int(np.argmin(losses))
    assert mrr[result.best_epoch] > mrr[int(np.argmin(losses))] + 0.05
    # the kept model is that epoch's model: it scores the recorded value again
    task = build_ranking_tasks(Hyperparameters.from_dict(hp), {"validation": channels["validation"]},
                               known=[channels["train"]])["validation"]
    again = task.evaluate(ModelScorer(result.model))["mrr"]
    assert again == pytest.approx(mrr[result.best_epoch], rel=1e-5)


def test_tune_optimises_a_ranking_metric(tmp_path, channels):
    from keras_o2v.tuning import tune

    result = tune(hyperparameters(epochs="1", learning_rate="0.001:0.1:log"),
                  train=channels["train"], validation=channels["validation"],
                  tuning_dir=tmp_path, objective="validation:hits_at_10", max_trials=2,
                  strategy="random", default_ranges=False, seed=0, verbose=0)
    values = [trial.objective for trial in result.trials]
    assert len(values) == 2 and all(0.0 <= v <= 1.0 for v in values)
    assert result.best.objective == max(values)  # hits@10: higher is better
    best_job = json.loads((tmp_path / "trials" / result.best.trial_id / "metrics.json").read_text())
    kept = [e for e in best_job["epochs"] if e["epoch"] == best_job["best_epoch"]][0]
    assert kept["validation:hits_at_10"] == pytest.approx(result.best.objective)


def test_objectives_name_their_needs():
    from keras_o2v import HyperparameterError
    from keras_o2v.tuning.objective import Objective

    assert Objective.from_name("validation:mean_rank").direction == "min"
    assert Objective.from_name("test:auc").direction == "max"
    defaults = {"training_objective": "pair", "ranking_metrics": "auto", "output_layer": "softmax"}
    with pytest.raises(HyperparameterError, match="training_objective=retrieval"):
        Objective.from_name("validation:retrieval_cross_entropy").check_space(defaults.get)
    with pytest.raises(HyperparameterError, match="ranking_metrics=False"):
        Objective.from_name("validation:mrr").check_space({**defaults, "ranking_metrics": False}.get)
    with pytest.raises(HyperparameterError, match="training_objective=pair"):
        Objective.from_name("validation:accuracy").check_space(
            {**defaults, "training_objective": "retrieval"}.get)


def test_mirrored_strategy_on_two_logical_cpus(tmp_path):
    """Each replica's in-batch negatives are its own share of the batch; the job learns."""
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    script = os.path.join(root, "tests", "scripts", "retrieval_on_logical_cpus.py")
    run = subprocess.run([sys.executable, script, str(tmp_path)], capture_output=True, text=True,
                         env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = {line.split(" ", 1)[0]: json.loads(line.split(" ", 1)[1])
             for line in run.stdout.splitlines() if line.startswith(("LOSSES", "RESULT"))}
    losses = lines["LOSSES"]
    assert losses["replicas"] == 2
    assert losses["evaluated"] == pytest.approx(losses["halves"], rel=1e-5)
    assert losses["whole"] > losses["halves"] + 0.1  # twice the negatives on one device
    assert lines["RESULT"]["validation:hits_at_10"] > 0.5  # chance: about 0.1


def test_evaluate_a_model_dir_an_export_and_from_the_command_line(job, channels, tmp_path):
    """Outside the job, the same channels give the job's test metrics, from any form of the model."""
    from keras_o2v import evaluate_retrieval, export_saved_model
    from keras_o2v.cli import main

    result, _, model_dir = job
    expected = json.loads((model_dir / "metrics.json").read_text())["test"]
    known = [channels["train"], channels["validation"]]
    export_base = tmp_path / "export"
    export_saved_model(result.model, export_base)
    for model in (model_dir, export_base):
        got = evaluate_retrieval(model, channels["test"], known=known)
        assert got["num_pairs"] == 120 and got["num_queries"] == 60
        for name in ("hits_at_1", "hits_at_10", "hits_at_100", "mrr", "mean_rank"):
            assert got[name] == pytest.approx(expected[f"test:{name}"], rel=1e-5, abs=1e-6)
    assert main(["evaluate-retrieval", "--model", str(export_base), "--pairs", channels["test"],
                 "--known", *known, "--no-filter", "--output", str(tmp_path / "m.json")]) == 0
    unfiltered = json.loads((tmp_path / "m.json").read_text())
    assert unfiltered["mean_rank"] > expected["test:mean_rank"]  # known positives rank above


def test_embed_one_side_of_a_pairs_channel_to_npy(job, channels, tmp_path):
    from keras_o2v.cli import main
    from keras_o2v.neighbors import read_vectors

    result, _, model_dir = job
    output = tmp_path / "items.npy"
    assert main(["embed", "--model-dir", str(model_dir), "--pairs", channels["train"],
                 "--side", "in1", "--output", str(output)]) == 0
    vectors = read_vectors(str(output))
    items = [int(i) for i in vectors.ids]
    assert len(items) == len(set(items)) == len({r["in1"][0] for r in map(json.loads,
                                                                          open(channels["train"]))})
    np.testing.assert_allclose(vectors.vectors, result.model.embed(in1=[[i] for i in items]),
                               atol=1e-6)


def test_a_retrieval_search_space_leaves_the_pair_head_out():
    from keras_o2v import HyperparameterError
    from keras_o2v.tuning.search_space import SearchSpace

    space = SearchSpace(hyperparameters(), default_ranges=True)
    assert not {"mlp_layers", "mlp_dim", "mlp_activation", "comparator_list"} & set(space.ranges)
    assert "optimizer" in space.ranges and "dropout" in space.ranges
    with pytest.raises(HyperparameterError, match="mlp_dim=.* does not apply with "
                                                  "training_objective=retrieval"):
        SearchSpace(hyperparameters(mlp_dim="16:64"), default_ranges=False)
    with pytest.raises(HyperparameterError, match="does not apply with training_objective=pair"):
        SearchSpace({**hyperparameters(training_objective="pair"),
                     "retrieval_temperature": "0.01:1:log"}, default_ranges=False)
