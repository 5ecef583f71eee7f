"""The event stream (`GET /sync/events`): the core writes a heartbeat whenever it
has had nothing else to say for HEARTBEAT_S, so a tablet that hears nothing for
SILENCE_S knows the line is dead (the core stopped or froze, a cable or a router
dropped the connection) instead of waiting for TCP, which can take minutes to
notice, while its badge says Live."""

HEARTBEAT_S = 3.0
# A heartbeat late by as much again is a busy core, not a dead line: a healthy
# stream never stays silent this long, so it never drops for nothing.
SILENCE_S = 2 * HEARTBEAT_S
