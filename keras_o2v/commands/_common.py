"""Helpers shared by CLI subcommands."""

import json

from keras_o2v.errors import O2VError


def parse_assignments(items):
    """Turns `name=value` arguments into a dict, with a clear error for anything else."""
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise O2VError(f"Expected a hyperparameter as name=value, got {item!r}")
        values[name.strip()] = value.strip()
    return values


def hyperparameter_map(json_path, assignments):
    """The map of a `--hyperparameters` JSON file, overridden by `name=value` arguments."""
    values = {}
    if json_path:
        try:
            with open(json_path, encoding="utf-8") as f:
                values = json.load(f)
        except (OSError, json.JSONDecodeError) as error:
            raise O2VError(f"{json_path}: {error}") from None
        if not isinstance(values, dict):
            raise O2VError(f"{json_path}: expected a JSON object of name -> value")
    values.update(parse_assignments(assignments))
    return values
