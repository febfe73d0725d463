"""Collect: fetch every source (HTTP with deadlines and caps), parse it (one module per
kind in `sources/`), normalize its entries into items and group near-duplicate headlines
into stories. `ingest_job` and `replay_job` store them."""

__all__: list[str] = []
