"""Progress reporting for long linkage jobs, silent by default.

Callers choose: ``progress=True`` draws a :mod:`rich` progress bar on stderr (stdout stays clean for
JSON output), a callable receives ``(task, completed, total)`` updates (a web job or a test can record
them), and ``False``/``None`` reports nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

ProgressHook = Callable[[str, int, int | None], None]
"""Called with ``(task description, units completed, total units or None)``."""

ProgressArg = bool | ProgressHook | None


class Task(Protocol):
    """One unit of work being reported."""

    def advance(self, amount: int = 1) -> None: ...


class Reporter(Protocol):
    """Opens tasks; each task reports completed units against an optional total."""

    def task(self, description: str, total: int | None = None) -> Task: ...


class _SilentTask:
    def advance(self, amount: int = 1) -> None:
        return None


class _SilentReporter:
    def task(self, description: str, total: int | None = None) -> Task:
        return _SilentTask()


class _HookTask:
    def __init__(self, hook: ProgressHook, description: str, total: int | None) -> None:
        self._hook = hook
        self._description = description
        self._total = total
        self._completed = 0
        hook(description, 0, total)

    def advance(self, amount: int = 1) -> None:
        self._completed += amount
        self._hook(self._description, self._completed, self._total)


class _HookReporter:
    def __init__(self, hook: ProgressHook) -> None:
        self._hook = hook

    def task(self, description: str, total: int | None = None) -> Task:
        return _HookTask(self._hook, description, total)


class _RichTask:
    def __init__(self, progress: object, task_id: object) -> None:
        self._progress = progress
        self._task_id = task_id

    def advance(self, amount: int = 1) -> None:
        self._progress.advance(self._task_id, amount)  # type: ignore[attr-defined]


class _RichReporter:
    def __init__(self, progress: object) -> None:
        self._progress = progress

    def task(self, description: str, total: int | None = None) -> Task:
        task_id = self._progress.add_task(description, total=total)  # type: ignore[attr-defined]
        return _RichTask(self._progress, task_id)


@contextmanager
def reporter(progress: ProgressArg) -> Iterator[Reporter]:
    """Yield a :class:`Reporter` for ``progress`` (see module docstring)."""
    if progress is None or progress is False:
        yield _SilentReporter()
        return
    if progress is True:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
        )
        with bar:
            yield _RichReporter(bar)
        return
    yield _HookReporter(progress)
