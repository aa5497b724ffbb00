import json

import pytest

import keras_o2v
from keras_o2v import HyperparameterError, Hyperparameters

REQUIRED = {"enc0_max_seq_len": "50", "enc0_vocab_size": "1000"}


def test_defaults_match_sagemaker():
    hp = Hyperparameters.from_dict(REQUIRED)
    assert (hp.enc_dim, hp.mlp_dim, hp.mlp_layers, hp.mlp_activation) == (4096, 512, 2, "linear")
    assert (hp.optimizer, hp.learning_rate, hp.mini_batch_size, hp.epochs) == ("adam", 0.0004, 32, 30)
    assert hp.comparator_list == ("hadamard", "concat", "abs_diff")
    assert (hp.early_stopping_patience, hp.early_stopping_tolerance) == (3, 0.01)
    assert hp.enc0_network == "hcnn" and hp.enc1_network == "enc0"
    assert hp.encoder(0).layers == 4 and hp.encoder(0).token_embedding_dim == 300


def test_string_map_is_parsed():
    hp = Hyperparameters.from_dict({
        **REQUIRED, "tied_token_embedding_weight": "true", "enc0_freeze_pretrained_embedding": "False",
        "comparator_list": "hadamard, abs_diff", "enc0_layers": "2", "dropout": "0.4",
        "enc0_network": "bilstm", "enc_dim": "64", "_kvstore": "device", "_num_gpus": "auto",
    })
    assert hp.tied_token_embedding_weight is True
    assert hp.enc0_freeze_pretrained_embedding is False
    assert hp.comparator_list == ("hadamard", "abs_diff")
    assert hp.encoder(0).layers == 2 and hp.dropout == 0.4


def test_auto_layers_depend_on_network():
    assert Hyperparameters.from_dict({**REQUIRED, "enc0_network": "bilstm"}).encoder(0).layers == 1
    assert Hyperparameters.from_dict({**REQUIRED, "enc0_network": "hcnn"}).encoder(1).layers == 4


@pytest.mark.parametrize("name, value, allowed", [
    ("mlp_layers", "11", "[0, 10]"),
    ("dropout", "1.5", "[0.0, 1.0]"),
    ("enc0_layers", "5", "'auto' or an integer in [1, 4]"),
    ("optimizer", "lbfgs", "adadelta, adagrad, adam, sgd, rmsprop"),
    ("comparator_list", "hadamard, cosine", "hadamard, concat, abs_diff"),
    ("tied_token_embedding_weight", "yes", "True or False"),
    ("mini_batch_size", "3.5", "an integer"),
])
def test_bad_value_names_parameter_value_and_allowed(name, value, allowed):
    with pytest.raises(HyperparameterError) as info:
        Hyperparameters.from_dict({**REQUIRED, name: value})
    message = str(info.value)
    assert name in message and repr(value) in message and allowed in message


def test_missing_required_and_unknown_names():
    with pytest.raises(HyperparameterError, match="Missing required hyperparameter 'enc0_vocab_size'"):
        Hyperparameters.from_dict({"enc0_max_seq_len": "5"})
    with pytest.raises(HyperparameterError, match="did you mean 'mlp_layers'"):
        Hyperparameters.from_dict({**REQUIRED, "mlp_layer": "2"})


def test_enc1_copies_enc0_but_explicit_enc1_values_win():
    hp = Hyperparameters.from_dict({**REQUIRED, "enc0_network": "bilstm", "enc_dim": "32",
                                    "enc1_vocab_size": "3", "enc0_token_embedding_dim": "20"})
    enc1 = hp.encoder(1)
    assert enc1.network == "bilstm" and enc1.token_embedding_dim == 20 and enc1.max_seq_len == 50
    assert enc1.vocab_size == 3  # SageMaker issue #834: the explicit value must win
    assert "vocab_size" not in enc1.inherited and "token_embedding_dim" in enc1.inherited


def test_inherited_vocab_size_is_announced_in_descriptions():
    enc1 = Hyperparameters.from_dict(REQUIRED).encoder(1)
    assert "inherited from enc0_vocab_size" in enc1.describe("vocab_size")


def test_explicit_enc1_network_uses_defaults_not_enc0_values():
    hp = Hyperparameters.from_dict({**REQUIRED, "enc0_network": "pooled_embedding",
                                    "enc0_token_embedding_dim": "64", "enc_dim": "64",
                                    "enc1_network": "hcnn", "enc1_layers": "auto"})
    enc1 = hp.encoder(1)
    assert enc1.network == "hcnn" and enc1.layers == 4 and enc1.token_embedding_dim == 300
    assert enc1.vocab_size == 1000 and enc1.inherited == ("max_seq_len", "vocab_size")


def test_inconsistent_settings_are_explained():
    with pytest.raises(HyperparameterError, match="equal encoder output widths"):
        Hyperparameters.from_dict({**REQUIRED, "enc0_network": "pooled_embedding",
                                   "enc1_network": "hcnn", "enc_dim": "128"})
    with pytest.raises(HyperparameterError, match="same vocab_size"):
        Hyperparameters.from_dict({**REQUIRED, "tied_token_embedding_weight": "True",
                                   "enc1_vocab_size": "7"})
    with pytest.raises(HyperparameterError, match="needs output_layer=softmax"):
        Hyperparameters.from_dict({**REQUIRED, "negative_sampling_rate": "3",
                                   "output_layer": "mean_squared_error"})


def test_round_trip_through_json_keeps_enc1_unset(tmp_path):
    hp = Hyperparameters.from_dict({**REQUIRED, "enc1_max_seq_len": "7"})
    path = tmp_path / "hp.json"
    path.write_text(json.dumps(hp.to_dict()))
    again = Hyperparameters.from_json(path)
    assert again == hp
    assert "enc1_vocab_size" not in hp.to_dict()


def test_sagemaker_movielens_notebook_map_runs_unchanged():
    hp = Hyperparameters.from_dict({
        "enc0_network": "pooled_embedding", "enc1_network": "pooled_embedding",
        "enc0_max_seq_len": "1", "enc1_max_seq_len": "1", "enc0_vocab_size": "944",
        "enc1_vocab_size": "1684", "enc0_token_embedding_dim": "300",
        "enc1_token_embedding_dim": "300", "enc_dim": "1024", "mlp_layers": "1", "mlp_dim": "256",
        "mlp_activation": "tanh", "output_layer": "mean_squared_error", "optimizer": "adam",
        "learning_rate": "0.001", "mini_batch_size": "64", "epochs": "20",
        "early_stopping_patience": "3", "early_stopping_tolerance": "0.01", "bucket_width": "0",
        "num_classes": "2", "enc0_layers": "auto", "enc1_layers": "auto",
        "enc0_cnn_filter_width": "3", "_kvstore": "device", "_num_gpus": "auto",
    })
    task = keras_o2v.tasks.task_from_hyperparameters(hp)
    assert hp.encoder(1).vocab_size == 1684 and task.num_outputs == 1
    assert task.comparator.compute_output_shape([(None, 300), (None, 300)])[-1] == 4 * 300


def test_learning_rate_decay_is_an_extension_left_out_of_the_map_at_its_default():
    assert Hyperparameters.from_dict(REQUIRED).learning_rate_decay == 1.0
    assert "learning_rate_decay" not in Hyperparameters.from_dict(REQUIRED).to_dict()
    hp = Hyperparameters.from_dict({**REQUIRED, "learning_rate_decay": "0.9"})
    assert hp.to_dict()["learning_rate_decay"] == 0.9
    assert Hyperparameters.from_dict(hp.to_dict()) == hp
    with pytest.raises(HyperparameterError, match=r"'learning_rate_decay'.*\[0.01, 1.0\]"):
        Hyperparameters.from_dict({**REQUIRED, "learning_rate_decay": "1.5"})


@pytest.mark.parametrize("name, value, default", [
    ("validation_fraction", "0.1", 0.0), ("validation_seed", "7", 0)])
def test_validation_hold_out_settings_are_extensions_written_only_when_set(name, value, default):
    from keras_o2v.hyperparameters import EXTENSIONS

    assert name in EXTENSIONS
    assert getattr(Hyperparameters.from_dict(REQUIRED), name) == default
    assert name not in Hyperparameters.from_dict(REQUIRED).to_dict()
    hp = Hyperparameters.from_dict({**REQUIRED, name: value})
    assert str(hp.to_dict()[name]) == value and Hyperparameters.from_dict(hp.to_dict()) == hp


@pytest.mark.parametrize("name, value, allowed", [
    ("validation_fraction", "0.6", r"a number in \[0.0, 0.5\]"),
    ("validation_fraction", "-0.1", r"a number in \[0.0, 0.5\]"),
    ("validation_seed", "1.5", r"an integer in \[0, 2147483647\]")])
def test_validation_hold_out_settings_are_validated(name, value, allowed):
    with pytest.raises(HyperparameterError, match=f"'{name}'.*expected {allowed}"):
        Hyperparameters.from_dict({**REQUIRED, name: value})


POOLED = {**REQUIRED, "enc0_network": "pooled_embedding"}


def test_pooling_is_an_extension_inherited_by_enc1_and_left_out_at_mean():
    hp = Hyperparameters.from_dict(POOLED)
    assert hp.encoder(0).pooling == hp.encoder(1).pooling == "mean"
    assert "enc0_pooling" not in hp.to_dict() and "enc1_pooling" not in hp.to_dict()
    hp = Hyperparameters.from_dict({**POOLED, "enc0_pooling": "first_plus_sqrtn"})
    assert hp.encoder(1).pooling == "first_plus_sqrtn" and "pooling" in hp.encoder(1).inherited
    assert hp.to_dict()["enc0_pooling"] == "first_plus_sqrtn"
    assert Hyperparameters.from_dict(hp.to_dict()) == hp
    # an explicit enc1 network takes the default, unless enc1_pooling says otherwise
    explicit = {**POOLED, "enc0_pooling": "sum", "enc1_network": "pooled_embedding"}
    assert Hyperparameters.from_dict(explicit).encoder(1).pooling == "mean"
    assert Hyperparameters.from_dict({**explicit, "enc1_pooling": "sqrtn"}).encoder(1).pooling \
        == "sqrtn"


def test_pooling_must_be_known_and_only_for_pooled_embedding():
    with pytest.raises(HyperparameterError, match="'enc0_pooling'.*first_plus_sqrtn"):
        Hyperparameters.from_dict({**POOLED, "enc0_pooling": "median"})
    with pytest.raises(HyperparameterError,
                       match="enc0_pooling=sum applies only to enc0_network=pooled_embedding, "
                             "but enc0_network=hcnn"):
        Hyperparameters.from_dict({**REQUIRED, "enc0_pooling": "sum"})
    with pytest.raises(HyperparameterError,
                       match="enc1_pooling=sum applies only to enc1_network=pooled_embedding, "
                             "but enc1_network=hcnn"):
        Hyperparameters.from_dict({**POOLED, "enc1_network": "hcnn", "enc_dim": "300",
                                   "enc1_pooling": "sum"})


@pytest.mark.parametrize("values", [
    {"enc0_max_seq_len": 1, "enc0_vocab_size": 944},
    {"enc0_max_seq_len": 20, "enc0_vocab_size": 100, "enc1_max_seq_len": 7,
     "comparator_list": "abs_diff, hadamard", "tied_token_embedding_weight": True,
     "enc0_freeze_pretrained_embedding": False, "dropout": 0.25, "learning_rate_decay": 0.9,
     "enc0_network": "pooled_embedding", "enc0_pooling": "sqrtn", "weight_decay": 1e-05,
     "enc1_network": "pooled_embedding"},
])
def test_string_map_is_sagemakers_and_reads_back_the_same(values):
    hp = Hyperparameters(**values)
    mapping = hp.to_string_map()
    assert all(isinstance(v, str) for v in mapping.values())
    assert Hyperparameters.from_dict(json.loads(json.dumps(mapping))) == hp


def test_the_accepted_values_are_what_the_layers_and_tasks_take():
    from keras_o2v import hyperparameters
    from keras_o2v.layers.comparator import OPERATIONS
    from keras_o2v.layers.pooled_embedding_encoder import POOLINGS
    from keras_o2v.layers.similarity import SIMILARITIES
    from keras_o2v.layers.token_weights import WEIGHTED_POOLINGS
    from keras_o2v.tasks.pair_scoring_task import MLP_ACTIVATIONS

    assert hyperparameters.POOLINGS == POOLINGS
    assert hyperparameters.WEIGHTED_POOLINGS == WEIGHTED_POOLINGS
    assert hyperparameters.COMPARATORS == OPERATIONS
    assert hyperparameters.SIMILARITIES == SIMILARITIES
    assert hyperparameters.MLP_ACTIVATIONS == MLP_ACTIVATIONS
