"""Understand: the topic candidates of every item (`candidates`, over `nlp/`), every
candidate's trend signal (`signals/`), and the candidates clustered into topics (`clusters`).
`extract_job` and `signals_job` read and write the warehouse."""

__all__: list[str] = []
