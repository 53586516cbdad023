"""The one error type a subcommand raises for something the user can fix."""


class CommandError(Exception):
    """Printed as `nemo-song: error: <message>` with exit status 2, never as a traceback."""
