"""Errors the engine raises for input a user can fix; the CLI prints them as one sentence."""


class EngineInputError(ValueError):
    """Input the engine refuses: the message is one complete sentence meant for the user."""
