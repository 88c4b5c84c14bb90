"""The error a refused case raises: :class:`CaseError`, naming the file, the key and what is accepted."""
from __future__ import annotations


class CaseError(ValueError):
    """A refused case: ``"<file>: <key.path>: <problem>; accepted: <accepted>"``."""

    def __init__(self, file: str, key: str, problem: str, accepted: str) -> None:
        self.file, self.key, self.problem, self.accepted = file, key, problem, accepted
        super().__init__(f"{file}: {key}: {problem}; accepted: {accepted}")

    def __reduce__(self):  # keep it picklable (multiprocessing sweeps)
        return (CaseError, (self.file, self.key, self.problem, self.accepted))
