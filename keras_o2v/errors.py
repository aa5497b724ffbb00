"""Exceptions raised by keras_o2v. Every message names what is wrong and where."""


class O2VError(Exception):
    """Base class of keras_o2v errors."""


class HyperparameterError(O2VError, ValueError):
    """A hyperparameter is missing, unknown, out of range or inconsistent."""


class DataError(O2VError, ValueError):
    """Bad input data. `problems` lists `(path, line_number, message)` tuples."""

    def __init__(self, problems, limit=20):
        self.problems = list(problems)
        shown = [f"{path}:{line}: {message}" for path, line, message in self.problems[:limit]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problem(s)")
        super().__init__("\n".join(shown))
