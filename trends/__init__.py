"""trends: trend monitoring for social media teams. The stages, in the order data flows:
`collect` -> `understand` -> `decide` -> `deliver`; `config`, `models` and `errors` beside them;
`runs` and `cli` above them. The warehouse (SQL) is the `warehouse` package."""


__all__: list[str] = []

__version__ = "0.1.0"
