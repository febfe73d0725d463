"""Ideas: the writer (templates) and the optional LLM writer."""

__all__: list[str] = []
