"""The errors raspir reports to its users.

Every error a user can cause (a bad program, bad compile arguments, bad model
input, malformed IR) is a ``RaspirError`` with a message that names what is
wrong and where; the command-line tools print it as one line.
"""


class RaspirError(Exception):
    """Base of every error raspir reports to users."""


class InvalidArgumentError(RaspirError, ValueError):
    """A compile or run argument is unusable (empty vocab, max_seq_len < 1, ...)."""


class UnsupportedProgramError(RaspirError, ValueError):
    """A RASP program cannot be imported or compiled; the message names the expression."""


class InvalidInputError(RaspirError, ValueError):
    """An input sequence is not accepted by the program (unknown token, too long, ...)."""
