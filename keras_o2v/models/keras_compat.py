"""Workarounds for Keras 3 behaviour that keras_o2v depends on, each with its reason.

Everything here exists because of a specific Keras or TensorFlow issue; when the
issue is fixed upstream, the workaround can go. The summed-row optimizers
(`keras_o2v.optimizers.summed_rows`) are the other such workaround; they live with
the optimizers because they are also the optimizers `compile()` uses.
"""

import contextlib
import warnings

import tensorflow as tf


def in_multi_worker_mode(strategy=None):
    """Whether `strategy` (default: the current one) spans several workers."""
    strategy = strategy or tf.distribute.get_strategy()
    return (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
            and strategy.extended._in_multi_worker_mode())


def rank1_when_multi_worker(logs):
    """Step logs made reducible across workers.

    Keras 3 reduces step logs across workers with `reduce("MEAN", axis=0)`, which
    fails on scalars (tensorflow/tensorflow#72388); shape `[1]` reduces to the mean.
    `Object2Vec.train_step` and `test_step` return their logs through it.
    """
    if in_multi_worker_mode():
        return {name: tf.reshape(value, [1]) for name, value in logs.items()}
    return logs


def skip_multi_worker_symbolic_build(model, strategy):
    """Skips a Keras 3 `fit()` step that fails under `MultiWorkerMirroredStrategy`.

    `fit()` first averages one distributed batch across workers
    (`_maybe_symbolic_build`), which cannot be done for dict inputs
    (tensorflow/tensorflow#72388). The model is already built, so with no
    strategy recorded on it Keras takes the strategy from the scope around
    `fit()` and skips that step.
    """
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        model._distribute_strategy = None


@contextlib.contextmanager
def quiet_unknown_length():
    """Hides Keras' "Your input ran out of data" warning.

    A dataset of unknown length (any `make_dataset` output: it streams) ends its
    first pass with that warning although the pass is complete, not cut short.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Your input ran out of data")
        yield


def seed_generator_states(model):
    """The states of the model's `keras.random.SeedGenerator`s (dropout), as JSON-ready lists.

    A `.keras` file does not hold them (Keras 3 saves layer weights, and a
    SeedGenerator's state is not one), so a loaded model's dropout draws other
    masks than the saved model would have. A resumed training job restores them
    with `restore_seed_generator_states` to repeat the uninterrupted job's numbers.
    """
    return [[layer.name, [int(v) for v in generator.state.numpy()]]
            for layer, generator in _seed_generators(model)]


def restore_seed_generator_states(model, states):
    """Assigns states read by `seed_generator_states` (same architecture, same order).

    Empty `states` (a job state written before they were recorded) leave the model as is.
    """
    if not states:
        return
    generators = list(_seed_generators(model))
    if [name for name, _ in states] != [layer.name for layer, _ in generators]:
        raise ValueError("the saved seed generator states belong to another architecture")
    for (_, generator), (_, state) in zip(generators, states):
        generator.state.assign(tf.constant(state, generator.state.dtype))


def _seed_generators(model):
    for layer in model._flatten_layers(include_self=True):
        for generator in getattr(layer, "_seed_generators", None) or ():
            yield layer, generator
