"""Search ranges for one hyperparameter, and their `name=range` syntax.

Syntax (the same in Python and on the command line):
- `low:high` or `low:high:log` (or `:linear`, the default): an integer or
  continuous range, inclusive, for numeric hyperparameters. `log` samples
  uniformly in log space (SageMaker's "Logarithmic" scaling) and needs `low > 0`.
- `a,b,c` or `a|b|c`: a set of choices. `comparator_list` takes `|` only,
  because each of its values is itself a comma-separated list.
- anything else: a fixed value, validated like any SageMaker hyperparameter.

Bounds and choices must lie inside the hyperparameter's SageMaker range.
"""

import dataclasses
import difflib
from typing import Tuple, Union

from keras_o2v.errors import HyperparameterError
from keras_o2v.hyperparameters import Hyperparameters, describe_allowed, field_spec, parse_value

SCALES = ("linear", "log")
NAMES = tuple(field.name for field in dataclasses.fields(Hyperparameters))


@dataclasses.dataclass(frozen=True)
class Range:
    """An inclusive numeric range.

    Args:
        name: the SageMaker hyperparameter name.
        low: smallest value.
        high: largest value.
        scale: "linear" or "log".
        integer: whether values are integers.

    Example:
    >>> parse_range("enc_dim", "16:1024:log")
    Range(name='enc_dim', low=16, high=1024, scale='log', integer=True)
    """

    name: str
    low: Union[int, float]
    high: Union[int, float]
    scale: str = "linear"
    integer: bool = True

    def declare(self, hp):
        """Registers this range on a `keras_tuner.HyperParameters`, returns its value."""
        if self.integer:
            return hp.Int(self.name, self.low, self.high, sampling=self.scale)
        return hp.Float(self.name, self.low, self.high, sampling=self.scale)

    def contains(self, value):
        return self.low <= value <= self.high and (not self.integer or value == int(value))

    @property
    def values(self):
        """All values of an integer range (for conditions); None for a continuous one."""
        return tuple(range(self.low, self.high + 1)) if self.integer else None

    def __str__(self):
        return f"{self.low}:{self.high}" + (":log" if self.scale == "log" else "")


@dataclasses.dataclass(frozen=True)
class Choice:
    """A set of allowed values, tried as categories.

    Args:
        name: the SageMaker hyperparameter name.
        values: the choices, as KerasTuner stores them (all str, int, float or bool).

    Example:
    >>> parse_range("optimizer", "adam,sgd")
    Choice(name='optimizer', values=('adam', 'sgd'))
    """

    name: str
    values: Tuple

    def declare(self, hp):
        return hp.Choice(self.name, list(self.values), ordered=False)

    def contains(self, value):
        return value in self.values

    def __str__(self):
        separator = "|" if self.name == "comparator_list" else ","
        return separator.join(str(v) for v in self.values)


def check_name(name):
    """Raises a `HyperparameterError` (with a suggestion) for an unknown name."""
    if name not in NAMES:
        close = difflib.get_close_matches(name, NAMES, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise HyperparameterError(f"Unknown hyperparameter '{name}'{hint}")


def parse_range(name, text):
    """Parses one `name=range` value into a `Range`, a `Choice` or a fixed value.

    Args:
        name: a SageMaker hyperparameter name.
        text: the value: `low:high[:log|linear]`, `a,b,c` / `a|b|c`, or a plain
            value. Non-strings (an int, a float, a bool) are fixed values.

    Returns:
        A `Range`, a `Choice`, or the validated fixed value.

    Raises:
        HyperparameterError: unknown name, malformed range, or bounds and
            choices outside the hyperparameter's SageMaker range.

    Example:
    >>> parse_range("learning_rate", "1e-4:1e-1:log").scale
    'log'
    >>> parse_range("enc0_max_seq_len", "1")
    1
    """
    check_name(name)
    if isinstance(text, (Range, Choice)):
        return text
    if not isinstance(text, str):
        return parse_value(name, text)
    text = text.strip()
    kind, allowed = field_spec(name)
    if ":" in text:
        return _parse_interval(name, text, kind, allowed)
    separators = "|" if kind == "comparators" else "|,"
    for separator in separators:
        if separator in text:
            return _parse_choices(name, text, separator, kind)
    return parse_value(name, text)


def _parse_interval(name, text, kind, allowed):
    def bad(reason):
        bounds = describe_allowed(name).replace("an integer", "integers").replace("a number", "numbers")
        return HyperparameterError(
            f"Invalid range {text!r} for hyperparameter '{name}': {reason}; expected "
            f"low:high or low:high:log with {bounds}"
        )

    if kind not in ("int", "float", "float_or_auto", "layers"):
        raise HyperparameterError(
            f"Invalid range {text!r} for hyperparameter '{name}': it takes "
            f"{describe_allowed(name)}, so give choices as a,b,c, not a low:high range"
        )
    parts = [part.strip() for part in text.split(":")]
    if len(parts) not in (2, 3):
        raise bad("give two bounds and an optional scale")
    scale = parts[2].lower() if len(parts) == 3 else "linear"
    if scale not in SCALES:
        raise bad(f"unknown scale {parts[2]!r} (use linear or log)")
    integer = kind not in ("float", "float_or_auto")
    bounds = []
    for part in parts[:2]:
        try:
            number = float(part)
        except ValueError:
            raise bad(f"{part!r} is not {'an integer' if integer else 'a number'}") from None
        if integer and number != int(number):
            raise bad(f"{part!r} is not an integer")
        bounds.append(int(number) if integer else number)
    low, high = bounds
    if low >= high:
        raise bad(f"low ({low}) must be less than high ({high}); give a fixed value as name=value")
    if not (allowed[0] <= low and high <= allowed[1]):
        raise bad("bounds out of range")
    if scale == "log" and low <= 0:
        raise bad("a log range needs low > 0")
    return Range(name, low, high, scale, integer)


def _parse_choices(name, text, separator, kind):
    items = [item.strip() for item in text.split(separator)]
    if any(not item for item in items):
        raise HyperparameterError(
            f"Invalid choices {text!r} for hyperparameter '{name}': an empty choice; "
            f"expected values separated by '{separator}'"
        )
    values = []
    for item in items:
        try:
            values.append(parse_value(name, item))
        except HyperparameterError as error:
            raise HyperparameterError(f"In choices {text!r}: {error}") from None
    if kind == "comparators":
        values = [", ".join(value) for value in values]
    elif kind in ("layers", "float_or_auto", "bool_or_auto") and "auto" in values:
        values = [str(value) for value in values]
    if len(set(values)) != len(values):
        raise HyperparameterError(
            f"Invalid choices {text!r} for hyperparameter '{name}': a value is listed twice")
    return Choice(name, tuple(values))
