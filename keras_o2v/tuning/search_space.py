"""The search space of a tuning job: ranges, fixed values and conditions.

Default ranges are SageMaker's recommended tuning ranges
(https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-tuning.html), with the
scaling a SageMaker "Auto" scaling would pick for a range spanning orders of
magnitude (log) and linear otherwise. Two deviations, both inside the
recommended ranges: `dropout` stops at 0.9 (1.0 drops every unit and the loss
becomes NaN) and `enc_dim`, `mlp_dim`, `mini_batch_size`,
`encN_token_embedding_dim`, `learning_rate` and `early_stopping_tolerance`
are sampled on a log scale.

Conditional parameters (so that no trial differs from another only by a value
the model ignores):
- `encN_cnn_filter_width` is tuned only where encN is `hcnn`; `encN_layers`
  only where it is `hcnn` or `bilstm` (pooled_embedding has no layers).
- `enc_dim` is tuned only where enc0 is `hcnn` or `bilstm`. The comparator
  needs equal encoder widths, so enc0 decides the width: a `pooled_embedding`
  enc0 sets `enc_dim` to its token dim, and a `pooled_embedding` enc1 (with an
  explicit enc1 network) takes that width as its token dim. These tied values
  are derived, never sampled, unless the user fixed them.
- With `enc1_network=enc0` (the default) enc1 copies enc0's values, so the
  default ranges of `enc1_*` are left out; an explicit network for enc1 brings
  them in (`enc1_token_embedding_dim` only for `hcnn`/`bilstm`, see above).
- `mlp_dim` and `mlp_activation` are tuned only where `mlp_layers > 0`.
- With `training_objective=retrieval` (a keras_o2v extension, fixed for a search)
  the pair head's `comparator_list`, `mlp_*` and `negative_sampling_rate` are not
  used and not tuned; the `retrieval_*` hyperparameters are tuned only there.
When the network (or `mlp_layers`) is fixed, a parameter that never applies
is left out of the space (a range the user gave for it is an error); when it
is itself tuned, the parameter is put under a KerasTuner `conditional_scope`:
random search and Hyperband sample it only when it applies, Bayesian
optimisation sees its default elsewhere. A condition that would need "enc0 or
enc1" with both networks tuned is not expressible there, and the parameter is
then always tuned.

Hyperband sets each trial's epochs itself, so `epochs` is then not part of
the space: its range (or fixed value) gives Hyperband's `max_epochs`.
"""

import dataclasses

from keras_o2v.errors import HyperparameterError
from keras_o2v.hyperparameters import Hyperparameters
from keras_o2v.tuning.ranges import Choice, Range, check_name, parse_range

DEFAULT_RANGES = {
    "dropout": "0.0:0.9",
    "early_stopping_patience": "1:5",
    "early_stopping_tolerance": "0.001:0.1:log",
    "enc_dim": "4:4096:log",
    "enc0_cnn_filter_width": "1:5",
    "enc1_cnn_filter_width": "1:5",
    "enc0_layers": "1:4",
    "enc1_layers": "1:4",
    "enc0_token_embedding_dim": "5:300:log",
    "enc1_token_embedding_dim": "5:300:log",
    "epochs": "4:20",
    "learning_rate": "1e-6:1.0:log",
    "mini_batch_size": "1:8192:log",
    "mlp_activation": "tanh,relu,linear",
    "mlp_dim": "16:1024:log",
    "mlp_layers": "1:4",
    "optimizer": "adagrad,adam,rmsprop,sgd,adadelta",
    "weight_decay": "0.0:1.0",
}
NOT_TUNABLE = {
    "output_layer": "the objective depends on it; run one search per output_layer",
    "training_objective": "the metrics depend on it; run one search per training_objective",
}
PARENTS = ("enc0_network", "enc1_network", "mlp_layers")
# Hyperparameters of the pair model's head, unused by training_objective=retrieval.
PAIR_HEAD = ("comparator_list", "mlp_layers", "mlp_dim", "mlp_activation",
             "negative_sampling_rate")
ALL_NETWORKS = {"hcnn", "bilstm", "pooled_embedding"}
SIZED = {"hcnn", "bilstm"}
# per-encoder suffix -> the networks of that encoder it applies to
ENCODER_APPLIES = {"cnn_filter_width": {"hcnn"}, "layers": SIZED}
ALWAYS, NEVER = "always", "never"
_DEFAULTS = Hyperparameters.__dataclass_fields__


class SearchSpace:
    """Fixed values and ranges of a search, with their conditions.

    Args:
        assignments: dict of SageMaker name -> fixed value or range (see
            `keras_o2v.tuning.ranges` for the syntax, e.g. "16:1024:log").
        default_ranges: add SageMaker's recommended range for every tunable
            hyperparameter not given in `assignments`.
        budget: name of a hyperparameter the tuner sets itself (Hyperband's
            "epochs"), taken out of the space.

    Example:
    >>> space = SearchSpace({"enc0_max_seq_len": "1", "enc0_vocab_size": "60",
    ...                      "enc0_network": "pooled_embedding", "enc_dim": "16:1024:log"},
    ...                     default_ranges=False)
    Traceback (most recent call last):
    ...
    keras_o2v.errors.HyperparameterError: enc_dim=16:1024:log does not apply: enc0_network=pooled_embedding outputs its token_embedding_dim, so enc_dim is only used when enc0 is hcnn or bilstm
    """

    def __init__(self, assignments, default_ranges=True, budget=None):
        self.fixed, self.ranges, given = {}, {}, set()
        for name, value in assignments.items():
            check_name(name)
            parsed = parse_range(name, value)
            if isinstance(parsed, (Range, Choice)):
                if name in NOT_TUNABLE:
                    raise HyperparameterError(f"{name} cannot be tuned: {NOT_TUNABLE[name]}")
                self.ranges[name] = parsed
            else:
                self.fixed[name] = parsed
            given.add(name)
        if default_ranges:
            for name, text in DEFAULT_RANGES.items():
                if name not in given:
                    self.ranges[name] = parse_range(name, text)
        self.budget_limit = None
        if budget is not None:
            spec = self.ranges.pop(budget, None)
            self.budget_limit = spec.high if isinstance(spec, Range) else \
                max(spec.values) if spec else self.value(budget)
            self.fixed.pop(budget, None)
        self.conditions = {}
        for name in list(self.ranges):
            condition = self._condition_of(name, user_given=name in given)
            if condition == NEVER:
                del self.ranges[name]
            elif condition != ALWAYS:
                self.conditions[name] = condition
        self._check_statically()

    # === KerasTuner ===
    def declare(self, hp):
        """Registers every range on a `keras_tuner.HyperParameters`, parents first."""
        order = [n for n in PARENTS if n in self.ranges] + \
            sorted(n for n in self.ranges if n not in PARENTS)
        for name in order:
            if name in self.conditions:
                parent, values = self.conditions[name]
                with hp.conditional_scope(parent, list(values)):
                    self.ranges[name].declare(hp)
            else:
                self.ranges[name].declare(hp)
        return hp

    def hyperparameters(self, sampled):
        """The full SageMaker map of one trial: fixed values, sampled ones, tied widths.

        Args:
            sampled: a trial's active values (`trial.hyperparameters.values`);
                KerasTuner's own `tuner/...` entries are ignored.
        """
        values = dict(self.fixed)
        values.update({k: v for k, v in sampled.items()
                       if not k.startswith("tuner/") and k in self.ranges})
        self._tie_widths(values)
        return values

    def value(self, name, values=None):
        """A hyperparameter's value in `values`, else its fixed value, else the default."""
        if values is not None and name in values:
            return values[name]
        if name in self.fixed:
            return self.fixed[name]
        default = _DEFAULTS[name].default
        return None if default is dataclasses.MISSING else default

    def summary(self):
        """Lines describing the space, for the log."""
        lines = [f"  {name}={self.ranges[name]}"
                 + (f"  (when {self.conditions[name][0]} in "
                    f"{','.join(map(str, self.conditions[name][1]))})"
                    if name in self.conditions else "")
                 for name in sorted(self.ranges)]
        lines += [f"  {name}={value} (fixed)" for name, value in sorted(self.fixed.items())]
        return lines

    def to_dict(self):
        return {"ranges": {name: str(r) for name, r in sorted(self.ranges.items())},
                "fixed": {name: _jsonable(v) for name, v in sorted(self.fixed.items())},
                "conditions": {name: [parent, list(values)]
                               for name, (parent, values) in sorted(self.conditions.items())}}

    # === Conditions ===
    def _condition_of(self, name, user_given):
        retrieval = self.value("training_objective") == "retrieval"
        if (name in PAIR_HEAD and retrieval) or (name.startswith("retrieval_") and not retrieval):
            if user_given:
                raise HyperparameterError(
                    f"{name}={self.ranges[name]} does not apply with training_objective="
                    f"{self.value('training_objective')}")
            return NEVER
        if name == "enc_dim":
            condition = self._network_condition(0, SIZED, user_given)
            if condition == NEVER and user_given:
                raise HyperparameterError(
                    f"enc_dim={self.ranges[name]} does not apply: "
                    f"enc0_network={self.value('enc0_network')} outputs its token_embedding_dim, "
                    "so enc_dim is only used when enc0 is hcnn or bilstm")
            return condition
        if name in ("mlp_dim", "mlp_activation"):
            return self._parent_condition("mlp_layers", lambda layers: layers > 0)
        if not name.startswith(("enc0_", "enc1_")):
            return ALWAYS
        side, suffix = int(name[3]), name[5:]
        if suffix == "network":
            return ALWAYS
        networks = ENCODER_APPLIES.get(suffix, ALL_NETWORKS)
        if side == 1 and suffix == "token_embedding_dim":
            networks = SIZED  # a pooled_embedding enc1 takes the comparator width
        condition = self._network_condition(side, networks, user_given)
        if condition == NEVER and user_given:
            raise HyperparameterError(
                f"{name}={self.ranges[name]} does not apply with "
                f"enc{side}_network={self.value(f'enc{side}_network')} (used only with "
                f"{' or '.join(sorted(networks))})")
        return condition

    def _network_condition(self, side, networks, user_given):
        if side == 0:
            return self._parent_condition("enc0_network", lambda n: n in networks)
        enc1 = self.ranges.get("enc1_network")
        if enc1 is None and self.value("enc1_network") == "enc0":
            # enc1 copies enc0: only an explicit enc1 range is worth tuning.
            return self._network_condition(0, networks, user_given) if user_given else NEVER
        enc0_fixed = "enc0_network" not in self.ranges

        def applies(network):
            if network != "enc0":
                return network in networks
            if not user_given:
                return False
            return self.value("enc0_network") in networks if enc0_fixed else True

        return self._parent_condition("enc1_network", applies)

    def _parent_condition(self, parent, applies):
        spec = self.ranges.get(parent)
        if spec is None:
            return ALWAYS if applies(self.value(parent)) else NEVER
        candidates = spec.values
        keep = tuple(v for v in candidates if applies(v))
        if not keep:
            return NEVER
        return ALWAYS if len(keep) == len(candidates) else (parent, keep)

    # === Tied widths ===
    def _tie_widths(self, values):
        net0 = self.value("enc0_network", values)
        net1 = self.value("enc1_network", values)
        inherits = net1 == "enc0"
        net1 = net0 if inherits else net1
        if net0 == "pooled_embedding":
            width = self.value("enc0_token_embedding_dim", values)
            if net1 != "pooled_embedding" and "enc_dim" not in self.fixed:
                values["enc_dim"] = width
        else:
            width = self.value("enc_dim", values)
        if (net1 == "pooled_embedding" and not inherits
                and "enc1_token_embedding_dim" not in self.fixed):
            values["enc1_token_embedding_dim"] = width

    def default_point(self):
        """The SageMaker map of the space's default point (each range's low end or
        first choice), as KerasTuner builds it."""
        import keras_tuner

        return self.hyperparameters(self.declare(keras_tuner.HyperParameters()).values)

    def _check_statically(self):
        """Validates the default point, so errors in fixed values come before any trial."""
        Hyperparameters.from_dict(self.default_point())


def _jsonable(value):
    return list(value) if isinstance(value, tuple) else value
