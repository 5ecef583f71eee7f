"""Orchestration: the routing profile (conditions, filters, ranking, split
policy, fallback), the split search, the engine that routes by it, and the
delivery promise. Plain Python: no HTTP, no database."""
