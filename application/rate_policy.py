from dataclasses import dataclass

SECONDS_PER_MINUTE = 60


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """At most `burst` requests at once, refilled at `per_minute` a minute (GCRA).

    A user who paused long enough may send `burst` requests back to back; after that,
    one every `interval` seconds.
    """

    name: str
    per_minute: int
    burst: int

    @property
    def interval(self) -> float:
        """Seconds between two requests at the sustained rate."""
        return SECONDS_PER_MINUTE / self.per_minute
