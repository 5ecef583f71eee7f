"""The words of a routing profile, shared by the core (which reads and applies
profiles) and the head-office screens (which edit them): what a condition can
test and how, which filters and ranking criteria exist, what a fallback is."""

CHANNELS = ("web", "app", "marketplace", "store")
METHODS = ("home", "click_collect")
# What a rule set's condition can test, and the operators each test takes.
CONDITION_OPERATORS = {
    "channel": ("eq", "in"),
    "method": ("eq", "in"),
    "country": ("eq", "in"),
    "customer_tier": ("eq", "in"),
    "value": ("gte", "gt", "lte", "lt"),
    "tags": ("has", "has_any"),
}
LIST_OPERATORS = ("in", "has_any")  # these compare against a list of texts
LOCATION_TYPES = ("warehouse", "store")
CAPABILITIES = ("ship_from_store", "click_collect", "returns")
CRITERIA = ("cost", "distance", "carbon", "stock_level", "backlog", "reject_rate")
FALLBACKS = ("backorder", "park")
