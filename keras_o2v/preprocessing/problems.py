"""Collecting the problems of an input file's rows, to report them all in one `DataError`."""

from keras_o2v.errors import DataError

MAX_PROBLEMS = 1000


class Problems:
    """Collects row problems of one file, listing at most `MAX_PROBLEMS` of them.

    Args:
        path: the file the problems are in.

    Example:
    >>> problems = Problems("raw.tsv")
    >>> problems.add(3, ["missing column 'label'"])
    >>> bool(problems), problems.listed
    (True, [('raw.tsv', 3, "missing column 'label'")])
    """

    def __init__(self, path):
        self.path = path
        self.listed = []
        self.count = 0

    def add(self, line, messages):
        """Adds the messages of one line."""
        for message in messages:
            self.count += 1
            if len(self.listed) < MAX_PROBLEMS:
                self.listed.append((self.path, line, message))

    def __bool__(self):
        return self.count > 0

    def summary(self):
        """The listed problems, plus one line counting those not listed."""
        listed = list(self.listed)
        if self.count > len(listed):
            listed.append((self.path, 0, f"{self.count - len(listed)} more problem(s) not listed"))
        return listed

    def raise_if_any(self):
        """Raises a `DataError` listing the problems, if there are any."""
        raise_problems([self])


def raise_problems(collections):
    """Raises one `DataError` with the problems of several `Problems`, if there are any."""
    listed = [problem for problems in collections for problem in problems.summary()]
    if listed:
        raise DataError(listed, limit=MAX_PROBLEMS + 1)
