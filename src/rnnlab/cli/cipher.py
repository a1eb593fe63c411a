"""Commands: cipher (registered on the shared app)."""

from rnnlab.cli._app import app  # noqa: F401
