"""Service levels the store app counts down to and the core's KPIs measure against."""

from datetime import timedelta

# Once given to a location, an order should be on its way (or ready for the
# customer) within this time.
PREPARE_WITHIN = timedelta(hours=4)
