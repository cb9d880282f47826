"""The one duration syntax of config and schedule files: ``90m``, ``1h30m``, ``2d``."""

import re
from datetime import timedelta

# Nothing in a clinic's schedule or config needs more; bigger numbers are typos.
MAX_DURATION = timedelta(days=366)
_DURATION = re.compile(r"^(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?$")


def parse_duration(text: str) -> timedelta:
    """Parse ``1h30m``-style text; raise ``ValueError`` with a readable message otherwise."""
    match = _DURATION.match(text.strip().lower()) if isinstance(text, str) else None
    if not match or not any(match.groupdict().values()):
        raise ValueError(f"{text!r} is not a duration like 90m, 1h30m, 24h or 2d")
    parts = {key: int(value or 0) for key, value in match.groupdict().items()}
    try:
        duration = timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"])
    except OverflowError:
        duration = MAX_DURATION * 2
    if duration <= timedelta(0):
        raise ValueError(f"{text!r} must be longer than zero")
    if duration > MAX_DURATION:
        raise ValueError(f"{text!r} is longer than {MAX_DURATION.days} days")
    return duration
