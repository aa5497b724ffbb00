"""Subcommands of the `o2v` CLI; see `keras_o2v/cli.py` for the module protocol."""
