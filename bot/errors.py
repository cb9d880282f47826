"""Domain errors.

Every error the bot expects to happen in normal use derives from ``IopBotError``:

- ``ConfigError``: the config file is missing, unreadable or has a wrong key, type or value.
- ``ScheduleError``: a schedule file is unreadable or an entry in it is invalid.
- ``InviteError``: an invite cannot be created (unknown therapist or group, role clash, ...).
- ``MembershipError``: a group membership cannot start or end as asked (dates overlap...).

The CLI prints ``str(error)`` as one line and exits non-zero; handlers turn them into
friendly text. Anything else is a bug: it reaches the global error handler and is logged
with a reference id.
"""


class IopBotError(Exception):
    """Base class for errors the bot expects and can explain."""


class ConfigError(IopBotError):
    """The configuration cannot be used."""


class ScheduleError(IopBotError):
    """A schedule file cannot be imported."""


class InviteError(IopBotError):
    """An invite cannot be created."""


class MembershipError(IopBotError):
    """A group membership cannot be changed as asked."""
