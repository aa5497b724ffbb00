"""Helpers shared by CLI subcommands."""

import sys

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


def report_errors(run):
    """Wraps a subcommand's `run` so library errors print cleanly and exit 1."""

    def wrapped(args):
        try:
            return run(args)
        except O2VError as error:
            print(f"o2v {args.command}: error: {error}", file=sys.stderr)
            return 1

    return wrapped
