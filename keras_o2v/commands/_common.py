"""Helpers shared by CLI subcommands."""

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
