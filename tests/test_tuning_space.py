"""The range syntax, objectives and the search space of `keras_o2v.tuning` (no training)."""

import keras_tuner
import pytest

from keras_o2v import HyperparameterError
from keras_o2v.cli import main
from keras_o2v.tuning import Choice, Objective, Range, SearchSpace, parse_range
from keras_o2v.tuning.search_space import DEFAULT_RANGES

BASE = {"enc0_max_seq_len": "1", "enc0_vocab_size": "60"}


@pytest.mark.parametrize("name, text, expected", [
    ("enc_dim", "16:1024:log", Range("enc_dim", 16, 1024, "log", True)),
    ("learning_rate", "1e-4:1e-1:log", Range("learning_rate", 1e-4, 1e-1, "log", False)),
    ("mlp_layers", "1:4", Range("mlp_layers", 1, 4, "linear", True)),
    ("dropout", " 0 : 0.5 : linear", Range("dropout", 0.0, 0.5, "linear", False)),
    ("optimizer", "adam,sgd", Choice("optimizer", ("adam", "sgd"))),
    ("mlp_dim", "64|128", Choice("mlp_dim", (64, 128))),
    ("enc0_layers", "auto,2", Choice("enc0_layers", ("auto", "2"))),
    ("tied_token_embedding_weight", "True,false", Choice("tied_token_embedding_weight",
                                                         (True, False))),
    ("comparator_list", "hadamard,concat|abs_diff",
     Choice("comparator_list", ("hadamard, concat", "abs_diff"))),
    ("enc0_max_seq_len", "1", 1),
    ("comparator_list", "hadamard, abs_diff", ("hadamard", "abs_diff")),
    ("learning_rate", 0.01, 0.01),
])
def test_range_syntax(name, text, expected):
    assert parse_range(name, text) == expected


@pytest.mark.parametrize("name, text, message", [
    ("enc_dim", "16:abc", r"range '16:abc' for hyperparameter 'enc_dim': 'abc' is not an integer"),
    ("enc_dim", "2:100", r"'enc_dim': bounds out of range.*integers in \[4, 10000\]"),
    ("enc_dim", "100:16", r"'enc_dim': low \(100\) must be less than high \(16\)"),
    ("enc_dim", "16:32:cubic", r"'enc_dim': unknown scale 'cubic'"),
    ("enc_dim", "16:32:log:2", r"'enc_dim': give two bounds"),
    ("mlp_layers", "1.5:3", r"'mlp_layers': '1.5' is not an integer"),
    ("weight_decay", "0:1:log", r"'weight_decay': a log range needs low > 0"),
    ("optimizer", "1:3", r"'optimizer': it takes one of .*give choices as a,b,c"),
    ("optimizer", "adam,nadam", r"choices 'adam,nadam'.*'optimizer'"),
    ("optimizer", "adam,,sgd", r"an empty choice"),
    ("optimizer", "adam,adam", r"listed twice"),
    ("mlp_dimm", "1:4", r"Unknown hyperparameter 'mlp_dimm'; did you mean 'mlp_dim'"),
    ("enc_dim", "abc", r"Invalid value 'abc' for hyperparameter 'enc_dim'"),
])
def test_range_errors_name_the_parameter(name, text, message):
    with pytest.raises(HyperparameterError, match=message):
        parse_range(name, text)


def test_objectives_have_sagemaker_directions_and_must_fit_output_layer():
    assert Objective.from_name("validation:accuracy").direction == "max"
    assert Objective.from_name("validation:cross_entropy").direction == "min"
    assert Objective.from_name("validation:mean_squared_error").direction == "min"
    with pytest.raises(HyperparameterError, match="Unknown objective 'validation:loss'"):
        Objective.from_name("validation:loss")
    with pytest.raises(HyperparameterError, match="needs output_layer=softmax.*use "
                                                  "validation:mean_squared_error"):
        Objective.from_name("validation:accuracy").check_output_layer("mean_squared_error")


def test_default_space_is_sagemakers_recommended_ranges():
    space = SearchSpace(dict(BASE))  # enc0 is hcnn, enc1 copies enc0
    assert set(space.ranges) == {n for n in DEFAULT_RANGES if not n.startswith("enc1_")}
    assert space.ranges["enc_dim"] == Range("enc_dim", 4, 4096, "log")
    assert space.ranges["optimizer"].values == ("adagrad", "adam", "rmsprop", "sgd", "adadelta")
    assert not space.conditions


def test_parameters_that_do_not_apply_are_left_out_or_refused():
    pooled = dict(BASE, enc0_network="pooled_embedding")
    space = SearchSpace(pooled)
    assert not {"enc0_cnn_filter_width", "enc0_layers", "enc_dim"} & set(space.ranges)
    with pytest.raises(HyperparameterError, match="enc0_cnn_filter_width=1:5 does not apply with "
                                                  "enc0_network=pooled_embedding"):
        SearchSpace(dict(pooled, enc0_cnn_filter_width="1:5"))
    with pytest.raises(HyperparameterError, match="enc_dim=16:64 does not apply"):
        SearchSpace(dict(pooled, enc_dim="16:64"))
    assert "mlp_dim" not in SearchSpace(dict(BASE, mlp_layers="0")).ranges


def test_conditional_parameters_are_sampled_only_when_they_apply():
    space = SearchSpace(dict(BASE, enc0_network="hcnn,pooled_embedding", mlp_layers="0:2",
                             epochs="1"))
    assert space.conditions["enc0_cnn_filter_width"] == ("enc0_network", ("hcnn",))
    assert space.conditions["enc_dim"] == ("enc0_network", ("hcnn",))
    assert space.conditions["mlp_dim"] == ("mlp_layers", (1, 2))
    oracle = keras_tuner.oracles.RandomSearchOracle(
        objective=keras_tuner.Objective("x", "max"), max_trials=40, seed=0,
        hyperparameters=space.declare(keras_tuner.HyperParameters()))
    seen = set()
    for _ in range(40):
        values = oracle._random_values()
        network = values["enc0_network"]
        seen.add(network)
        assert ("enc_dim" in values) == ("enc0_cnn_filter_width" in values) == (network == "hcnn")
        assert ("mlp_dim" in values) == (values["mlp_layers"] > 0)
    assert seen == {"hcnn", "pooled_embedding"}


def test_encoder_widths_are_tied_not_sampled():
    space = SearchSpace(dict(BASE, enc0_network="pooled_embedding",
                             enc1_network="hcnn,pooled_embedding", enc1_vocab_size="70",
                             enc0_token_embedding_dim="4:16"),
                        default_ranges=False)
    hcnn = space.hyperparameters({"enc1_network": "hcnn", "enc0_token_embedding_dim": 9})
    assert hcnn["enc_dim"] == 9
    assert "enc_dim" not in space.ranges and "enc1_token_embedding_dim" not in space.ranges
    pooled = space.hyperparameters({"enc1_network": "pooled_embedding",
                                     "enc0_token_embedding_dim": 7})
    assert pooled["enc1_token_embedding_dim"] == 7


def test_output_layer_cannot_be_tuned_and_fixed_value_errors_come_first():
    with pytest.raises(HyperparameterError, match="output_layer cannot be tuned"):
        SearchSpace(dict(BASE, output_layer="softmax,mean_squared_error"))
    with pytest.raises(HyperparameterError, match="Missing required hyperparameter "
                                                  "'enc0_vocab_size'"):
        SearchSpace({"enc0_max_seq_len": "1"})


def test_cli_reports_a_bad_range_naming_the_parameter(tmp_path, capsys):
    code = main(["tune", "--train", "t.jsonl", "--validation", "v.jsonl", "--objective",
                 "validation:accuracy", "--tuning-dir", str(tmp_path), "enc0_max_seq_len=1",
                 "enc0_vocab_size=60", "enc_dim=16:abc"])
    assert code == 1
    assert "o2v tune: error: Invalid range '16:abc' for hyperparameter 'enc_dim'" in \
        capsys.readouterr().err


def test_cli_refuses_an_objective_that_does_not_fit_output_layer(tmp_path, capsys):
    code = main(["tune", "--train", "t.jsonl", "--validation", "v.jsonl", "--objective",
                 "validation:accuracy", "--tuning-dir", str(tmp_path), "enc0_max_seq_len=1",
                 "enc0_vocab_size=60", "output_layer=mean_squared_error"])
    assert code == 1 and "needs output_layer=softmax" in capsys.readouterr().err
