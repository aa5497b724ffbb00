"""The `o2v` command line.

Each subcommand lives in its own module under `keras_o2v/commands/` and exposes
`COMMAND` (its name), `HELP` (one line), `add_arguments(parser)` and `run(args)`
(returning an exit code). Modules are discovered, so adding a subcommand never
touches this file. A subcommand with a positional argument named `hyperparameter`
takes `name=value` arguments anywhere on its command line, also after an option
that takes several values (`--validation v.jsonl epochs=2`).

Building the parser (and so `--help`) does not import TensorFlow. Before a
command runs, TensorFlow's C++ and absl logs are silenced
(`keras_o2v.tensorflow_logs`); `--verbose` or `O2V_VERBOSE=1` keeps them.

Example:
    $ o2v train --train train.jsonl --model-dir out/ enc0_max_seq_len=1 enc0_vocab_size=944
"""

import argparse
import importlib
import os
import pkgutil
import re
import sys

from keras_o2v import commands
from keras_o2v.errors import O2VError
from keras_o2v.tensorflow_logs import VERBOSE_ENVIRONMENT_VARIABLE, quiet_tensorflow

ASSIGNMENTS_DEST = "hyperparameter"
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_VERBOSE_HELP = f"show TensorFlow's C++ and absl logs (also: {VERBOSE_ENVIRONMENT_VARIABLE}=1)"


def _command_modules():
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(module, "COMMAND"):
            yield module


def build_parser():
    parser = argparse.ArgumentParser(
        prog="o2v", description="Object2Vec pair embeddings on Keras 3 / TensorFlow.")
    parser.add_argument("-v", "--verbose", action="store_true", help=_VERBOSE_HELP)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in _command_modules():
        sub = subparsers.add_parser(module.COMMAND, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        # SUPPRESS: without the flag here, `o2v --verbose COMMAND` keeps the top-level value.
        sub.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                         help=_VERBOSE_HELP)
        sub.set_defaults(_run=module.run)
    return parser


def split_assignments(parser, argv):
    """Takes the `name=value` arguments of a subcommand out of `argv`, wherever they are.

    argparse gives the tokens after a `nargs="+"` option (`--validation v.jsonl`) to
    that option, so `epochs=2` there would be read as a file name. A token is taken
    when its command accepts `name=value` arguments, it looks like `identifier=...`,
    it is not the value of a one-value option (`--model-dir out=1`), and no file of
    that name exists.

    Returns:
        `(remaining argv, assignments in the order given)`.
    """
    sub = _subcommand_parser(parser, argv)
    if sub is None:
        return list(argv), []
    parser_of_command, start = sub
    if not any(action.dest == ASSIGNMENTS_DEST for action in parser_of_command._actions):
        return list(argv), []
    takes_one_value = {option for action in parser_of_command._actions
                       for option in action.option_strings
                       if action.nargs is None and action.option_strings}
    remaining, assignments = list(argv[:start]), []
    previous = None
    for token in argv[start:]:
        if (_ASSIGNMENT.match(token) and previous not in takes_one_value
                and not os.path.exists(token)):
            assignments.append(token)
        else:
            remaining.append(token)
        previous = token
    return remaining, assignments


def _subcommand_parser(parser, argv):
    choices = next(action.choices for action in parser._actions
                   if isinstance(action, argparse._SubParsersAction))
    for index, token in enumerate(argv):
        if token in choices:
            return choices[token], index + 1
        if not token.startswith("-"):
            return None
    return None


def main(argv=None):
    """Runs the CLI; library errors (bad data, bad hyperparameters) print and exit 1."""
    parser = build_parser()
    argv, assignments = split_assignments(parser, list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if assignments:
        setattr(args, ASSIGNMENTS_DEST, [*assignments, *getattr(args, ASSIGNMENTS_DEST)])
    quiet_tensorflow(verbose=args.verbose or None)
    try:
        return args._run(args) or 0
    except O2VError as error:
        print(f"o2v {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
