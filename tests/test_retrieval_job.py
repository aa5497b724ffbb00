"""Retrieval mode in the training job: what it says, what it learns, what it keeps."""

import json

import numpy as np
import pytest

from keras_o2v.training import train
from tests.helpers import write_jsonl
from tests.retrieval_data import GROUPS, ITEMS, group_pairs, hyperparameters


@pytest.fixture(scope="module")
def channels(tmp_path_factory):
    folder = tmp_path_factory.mktemp("retrieval")
    train_records = group_pairs(6, seed=1)
    train_records += [{"label": 0, "in0": [1], "in1": [2]}, {"label": 0, "in0": [3], "in1": [3]}]
    return {"train": write_jsonl(folder / "train.jsonl", train_records),
            "validation": write_jsonl(folder / "validation.jsonl", group_pairs(2, seed=2)),
            "test": write_jsonl(folder / "test.jsonl", group_pairs(2, seed=3))}


def test_retrieval_job_says_what_trains_and_learns_the_groups(tmp_path, channels, capsys):
    hp = hyperparameters(retrieval_negatives="in_batch", epochs="6")
    result = train(hp, model_dir=tmp_path, seed=0, verbose=0, **channels)
    out = capsys.readouterr().out
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
