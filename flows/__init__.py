"""Orchestration: Prefect flows over `trends.runs`, their deployments, `trends serve`, and a
small client of the Prefect REST API."""

__all__: list[str] = []
