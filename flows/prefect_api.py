"""A few read-only calls to a Prefect server's REST API, for `trends status`.

Plain `urllib` on purpose: importing the Prefect client costs more than a second, and
`trends status` must start in well under half a second. Every call has a short timeout, and
an unreachable server is `None`, never an error: status then falls back to the warehouse.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from trends.config import Env

__all__ = ["SERVE_INFO", "TIMEOUT_S", "api_url", "deployments", "healthy", "runs"]

TIMEOUT_S = 2.0
# `trends serve` writes the URL of the server it started here (under PREFECT_HOME).
SERVE_INFO = "trends-serve.json"


def api_url(env: Env, prefect_home: Path) -> str | None:
    """PREFECT_API_URL when set, else the server that `trends serve` started, if any."""
    if env.prefect_api_url:
        return env.prefect_api_url.rstrip("/")
    try:
        info = json.loads((prefect_home / SERVE_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    url = info.get("api_url")
    return str(url).rstrip("/") if url else None


def _call(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method="GET" if body is None else "POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
        return json.loads(resp.read() or b"null")


def healthy(url: str) -> bool:
    try:
        return bool(_call(url, "/health"))
    except (OSError, ValueError, urllib.error.URLError):
        return False


def deployments(url: str) -> list[dict[str, Any]] | None:
    """Every deployment the server knows, or None when it cannot be reached."""
    try:
        found = _call(url, "/deployments/filter", {"limit": 200})
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return list(found) if isinstance(found, list) else None


def runs(url: str) -> dict[str, list[dict[str, Any]]] | None:
    """The latest finished runs and the next scheduled runs of every deployment, or None when
    the server cannot be reached."""
    try:
        flows = {f["id"]: f["name"] for f in _call(url, "/flows/filter", {"limit": 200})}
        deployments = {d["id"]: d["name"] for d in _call(url, "/deployments/filter",
                                                         {"limit": 200})}
        last = _call(url, "/flow_runs/filter", {
            "flow_runs": {"state": {"type": {"not_any_": ["SCHEDULED", "PENDING"]}}},
            "sort": "START_TIME_DESC", "limit": 20})
        upcoming = _call(url, "/flow_runs/filter", {
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
            "sort": "NEXT_SCHEDULED_START_TIME_ASC", "limit": 20})
    except (OSError, ValueError, KeyError, TypeError, urllib.error.URLError):
        return None

    def row(r: dict[str, Any], at_key: str) -> dict[str, Any]:
        state = r.get("state") or {}
        at = r.get(at_key) or r.get("expected_start_time")
        return {"flow": flows.get(r.get("flow_id"), "?"),
                "deployment": deployments.get(r.get("deployment_id")),
                "state": state.get("name") or state.get("type"),
                "at": datetime.fromisoformat(at) if at else None, "name": r.get("name")}

    return {"last_runs": [row(r, "start_time") for r in last],
            "next_runs": [row(r, "next_scheduled_start_time") for r in upcoming]}
