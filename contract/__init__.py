"""What the core and the store app share besides HTTP: the fulfilment state
machine, the reason codes, distances between locations. Plain Python with no dependencies, so the
tablet build (which ships without the core) can check an action offline with
exactly the rules the core will apply."""
