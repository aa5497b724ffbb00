"""The `o2v` command line.

Each subcommand lives in its own module under `keras_o2v/commands/` and exposes
`COMMAND` (its name), `HELP` (one line), `add_arguments(parser)` and `run(args)`
(returning an exit code). Modules are discovered, so adding a subcommand never
touches this file.

Example:
    $ o2v train --train train.jsonl --model-dir out/ enc0_max_seq_len=1 enc0_vocab_size=944
"""

import argparse
import importlib
import pkgutil
import sys

from keras_o2v import commands
from keras_o2v.errors import O2VError


def _command_modules():
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(module, "COMMAND"):
            yield module


def build_parser():
    parser = argparse.ArgumentParser(
        prog="o2v", description="Object2Vec pair embeddings on Keras 3 / TensorFlow."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in _command_modules():
        sub = subparsers.add_parser(module.COMMAND, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv=None):
    """Runs the CLI; library errors (bad data, bad hyperparameters) print and exit 1."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args._run(args) or 0
    except O2VError as error:
        print(f"o2v {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
