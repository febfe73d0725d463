"""The warehouse: DuckDB files, numbered migrations, the writer and the read snapshot, the
read-only SQL prompt and named queries, and one module of SQL per stage's tables."""

__all__: list[str] = []
