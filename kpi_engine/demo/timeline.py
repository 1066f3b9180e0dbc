"""The demo's calendar: the window, day-by-day demand weights and random moments in it."""

from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate

SOURCE = "demo"  # the `source` of every demo row (except sessions, where it is traffic)
CENT = Decimal("0.01")

# Shopping is lighter at the weekend for this store (Monday first).
_WEEKDAY = (1.05, 1.02, 1.0, 1.0, 0.96, 0.86, 0.92)
# Tet dips February; the year-end sales season lifts November and December.
_MONTH = (0.95, 0.82, 0.95, 0.97, 1.0, 0.98, 0.96, 0.98, 1.02, 1.05, 1.3, 1.4)
# South-East Asian "double day" sales (9.9, 10.10, 11.11, 12.12).
_DOUBLE_DAYS = {(9, 9): 1.8, (10, 10): 1.9, (11, 11): 2.6, (12, 12): 2.2}
# Sessions by hour of day: quiet nights, a lunch bump and an evening peak.
HOUR_WEIGHTS = (0.6, 0.35, 0.2, 0.15, 0.15, 0.25, 0.5, 0.9, 1.2, 1.4, 1.5, 1.6,
                1.8, 1.7, 1.5, 1.4, 1.4, 1.5, 1.7, 2.0, 2.3, 2.4, 1.9, 1.1)
OFFICE_HOURS = tuple(1.0 if 8 <= h < 18 else 0.05 for h in range(24))
# ready-made steps within a day: random_moments adds these instead of building timedeltas
_ONE_SECOND = timedelta(seconds=1)
_HOURS = tuple(timedelta(hours=h) for h in range(24))
_SECONDS = tuple(timedelta(seconds=s) for s in range(3600))


def money(value: float | Decimal) -> Decimal:
    """A float or Decimal rounded to cents, as an exact Decimal."""
    return Decimal(repr(value) if isinstance(value, float) else value).quantize(
        CENT, rounding=ROUND_HALF_UP)


def black_friday(year: int) -> date:
    first = date(year, 11, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 21)


def sale_factor(day: date) -> float:
    """How much a sale event lifts demand on this day (1.0: none)."""
    if (day.month, day.day) in _DOUBLE_DAYS:
        return _DOUBLE_DAYS[(day.month, day.day)]
    bf = black_friday(day.year)
    if day == bf or day == bf + timedelta(days=3):  # Black Friday, Cyber Monday
        return 2.0
    return 1.0


@dataclass
class Timeline:
    start: date
    days: int
    weights: list[float] = field(init=False)
    _cum: list[float] = field(init=False, repr=False)
    _hour_cum: dict[tuple[float, ...], list[float]] = field(init=False, repr=False)
    _start_at: datetime = field(init=False, repr=False)
    _end_at: datetime = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("days must be at least 1")
        self.weights = [self._weight(i) for i in range(self.days)]
        self._cum = list(accumulate(self.weights))
        self._hour_cum = {}
        # built once: at(), index() and clamp() run for most demo rows
        self._start_at = datetime(self.start.year, self.start.month, self.start.day)
        self._end_at = self._start_at + timedelta(days=self.days)

    def _weight(self, i: int) -> float:
        day = self.day(i)
        growth = 1 + 0.35 * i / 365  # a growing store
        return _WEEKDAY[day.weekday()] * _MONTH[day.month - 1] * sale_factor(day) * growth

    @property
    def start_at(self) -> datetime:
        return self._start_at

    @property
    def end_at(self) -> datetime:
        """The first moment after the window."""
        return self._end_at

    def day(self, i: int) -> date:
        return self.start + timedelta(days=i)

    def index(self, moment: datetime) -> int:
        return (moment - self._start_at).days

    def at(self, i: int, seconds: float) -> datetime:
        return self._start_at + timedelta(days=i, seconds=seconds)

    def share(self, i: int) -> float:
        """Day i's share of the window's demand."""
        return self.weights[i] / self._cum[-1]

    def random_days(self, rng: random.Random, k: int) -> list[int]:
        """k days drawn by demand weight, in order."""
        return sorted(rng.choices(range(self.days), cum_weights=self._cum, k=k))

    def random_moment(self, rng: random.Random, i: int,
                      hours: tuple[float, ...] = HOUR_WEIGHTS) -> datetime:
        return self.random_moments(rng, i, 1, hours)[0]

    def random_moments(self, rng: random.Random, i: int, n: int,
                       hours: tuple[float, ...] = HOUR_WEIGHTS) -> list[datetime]:
        """n moments of day i: an hour by weight (24 of them), then its second. Each is
        ``at(i, hour * 3600 + rng.randrange(3600))`` with ``randrange`` drawn inline as
        ``Random._randbelow`` does it: ``getrandbits(12)`` until below 3600."""
        cum = self._hour_cum.get(hours)
        if cum is None:
            cum = self._hour_cum[hours] = list(accumulate(hours))
        total = cum[-1]
        rand, bits = rng.random, rng.getrandbits
        day = self._start_at + timedelta(days=i)
        out = []
        for _ in range(n):
            hour = bisect_left(cum, rand() * total)
            second = bits(12)
            while second >= 3600:
                second = bits(12)
            out.append(day + _HOURS[hour] + _SECONDS[second])
        return out

    def within(self, moment: datetime | None) -> datetime | None:
        """The moment if it falls inside the window, else None (it has not happened)."""
        return moment if moment is not None and moment < self._end_at else None

    def clamp(self, moment: datetime) -> datetime:
        """The moment, pulled back to the last second of the window if past it."""
        return min(moment, self._end_at - _ONE_SECOND)

    def months(self) -> list[date]:
        """First days of the months that start inside the window."""
        out, day = [], self.start
        while day < self.start + timedelta(days=self.days):
            if day.day == 1:
                out.append(day)
            day += timedelta(days=1)
        return out


def rng_for(seed: int, part: str) -> random.Random:
    """An independent, reproducible stream per part, so changing one part of the demo
    leaves the others' data unchanged (str seeds are hashed with SHA-512, not hash())."""
    return random.Random(f"kpi-engine-demo:{seed}:{part}")
