"""What the core and the store app share besides HTTP: the fulfilment state
machine and the reason codes. Plain Python with no dependencies, so the
tablet build (which ships without the core) can check an action offline with
exactly the rules the core will apply."""
