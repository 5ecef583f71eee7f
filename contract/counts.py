"""Stock counts (`POST /stock/counts`, the store app's `count` mutations).

A count says what was on the shelf when it was counted (`counted_at`, on the
core's clock), however late it reaches the core: the core adds the stock moves
recorded since then (a parcel shipped, a receipt) and the ledger gets the
difference. A count of a shelf counted again since is superseded and not
applied: the later count stands. The store app's count is refused with the code
SUPERSEDED; a batch over HTTP applies the rest and lists it.
"""

from datetime import timedelta

SUPERSEDED = "count_superseded"
# How far ahead of the core's clock a count may say it was counted: a tablet knows
# the core's clock within half a round trip, plus what its own drifted since it synced.
FUTURE_TOLERANCE = timedelta(minutes=2)
# How old a count may be when it reaches the core: older, it no longer says what is on
# the shelf (and a date that old is more likely a tablet whose clock was reset than a
# count kept offline that long), so it is refused with TOO_OLD: count the shelf again.
MAX_AGE = timedelta(days=7)
TOO_OLD = "count_too_old"
