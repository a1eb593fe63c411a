"""The exceptions rnnlab raises for problems a user can fix.

Each message is one line that says what is wrong and how to fix it; the command line prints it
as is and exits with code 2. Bugs are not RnnlabErrors.
"""


class RnnlabError(Exception):
    """A problem with the user's input, files or options; str(error) is the whole message."""


class InputError(RnnlabError, ValueError):
    """Text, files or options that cannot be used as given."""


class CipherKeyError(InputError):
    """A cipher key that is not valid for its cipher."""


class DataError(InputError):
    """Training or evaluation data that is malformed (pairs files, corpora)."""


class ModelFileError(RnnlabError):
    """A run directory or model file that is missing, corrupted or from an unknown format."""


class TrainingError(RnnlabError):
    """Training that cannot go on (a non-finite loss, an interrupted run that cannot resume)."""
