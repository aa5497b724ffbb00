"""The error every inference-protocol problem raises: a message and an HTTP status."""

from keras_o2v.errors import O2VError


class InferenceError(O2VError, ValueError):
    """A request that cannot be answered; `status` is the HTTP status to reply with.

    Args:
        message: what is wrong and where (instance or line number, key, value).
        status: HTTP status code (400 bad request, 404 not found, 415 bad
            content type, 406 bad accept, 413 too large, 500 server fault).
    """

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status

    def __reduce__(self):  # keeps the status across processes (the server's decode pool)
        return type(self), (self.message, self.status)
