"""The one error type of the engine: every message names the field that is wrong."""

from __future__ import annotations


class EngineError(ValueError):
    """Bad input to the engine. `field` is a dotted path such as `weekly.tue[1]`."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field = field
        self.problem = problem

    def within(self, prefix: str) -> EngineError:
        """The same error, its field placed under `prefix` (for nested input)."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        if self.field.startswith("["):
            field = f"{prefix}{self.field}"
        return EngineError(field, self.problem)
