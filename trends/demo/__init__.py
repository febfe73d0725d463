"""The offline demo: a generated world of feeds and clients, served on 127.0.0.1."""

__all__: list[str] = []
