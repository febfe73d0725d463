"""Trend signals: the rules for one candidate (`rules`) and the same rules over every
candidate at once, column by column (`vectorized`)."""

__all__: list[str] = []
