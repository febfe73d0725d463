"""Decide: how each topic fits each client (`relevance`, `safety`, `calendar`, the team's
`preferences`) and the ideas it becomes (`ideas/`). `ideas_job` stores them."""

__all__: list[str] = []
