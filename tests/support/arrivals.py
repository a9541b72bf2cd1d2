"""What a test server received, in arrival order, with a wait for the next ones (webhook and SMTP sinks)."""

from __future__ import annotations

import threading
import time
from typing import Generic, TypeVar

T = TypeVar("T")


class Arrivals(Generic[T]):
    """A thread-safe list that server threads append to and tests wait on."""

    def __init__(self, noun: str) -> None:
        self._noun = noun  # "request(s)", "message(s)": for the failure message
        self._arrived = threading.Condition()
        self._items: list[T] = []

    def add(self, item: T) -> None:
        with self._arrived:
            self._items.append(item)
            self._arrived.notify_all()

    def all(self) -> list[T]:
        with self._arrived:
            return list(self._items)

    def wait_for(self, n: int = 1, timeout: float = 10.0) -> list[T]:
        """Block until at least ``n`` arrived; AssertionError saying how many did otherwise."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self._items) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {n} {self._noun} within {timeout}s, got {len(self._items)}"
                    )
                self._arrived.wait(left)
            return list(self._items)
