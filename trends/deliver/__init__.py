"""Deliver: the digest and alerts as Slack messages (`blocks`, `render`), through one
exactly-once outbox (`outbox`) and a Sender (`slack`); charts, the HTML pages, and the
team's reactions read back. The `*_job` modules do the I/O."""

__all__: list[str] = []
