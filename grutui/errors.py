"""The base of every error a user can fix: the CLI prints it as one line, the UI as a notice."""


class GrutuiError(Exception):
    """An error with a one-line message that says what and where."""
