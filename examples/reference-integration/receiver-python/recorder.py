"""Group commit for the receiver's writes, as the Go receiver's recorder.go: the writes that
requests ask for while one transaction runs go into the next, one transaction (one WAL sync, one
PostgreSQL commit) for all of them. A request awaits its write and is answered only once the
commit that holds it has returned, so nothing of the exactly-once argument changes. A batch whose
transaction fails is rolled back whole and its writes are committed again one transaction each: a
failure is only its own request's (answered 500; the gateway redelivers).

One thread owns one store connection: the event loop never waits on the database, and the store's
driver (sqlite3, psycopg) stays synchronous."""
from __future__ import annotations

import asyncio
import queue
import sys
import threading
from typing import Any, Callable, List, Sequence, Tuple

from store import Store

# The most writes committed in one transaction.
MAX_BATCH = 256

Write = Callable[[Store], Any]


def _NOTHING(store: Store) -> None:
    """A write that writes nothing (wakes the writer for the time-taken updates)."""


class Recorder:
    """Runs writes (a function of a Store) in the writer thread, in groups of concurrent ones."""

    def __init__(self, db: str) -> None:
        self._db = db
        self._store = Store(db)
        self._timings: "queue.SimpleQueue[Tuple[float, int]]" = queue.SimpleQueue()
        self._queue: "queue.SimpleQueue[Tuple[Write, asyncio.AbstractEventLoop | None, asyncio.Future | None]]" = queue.SimpleQueue()
        threading.Thread(target=self._run, name="recorder", daemon=True).start()

    async def write(self, write: Write) -> Any:
        """Runs `write` in a transaction with the writes waiting beside it; returns its result once
        committed (raises what it raised, or the commit's error)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((write, loop, future))
        return await future

    def later(self, write: Write) -> None:
        """Runs `write` with the next batch, waiting for nothing."""
        self._queue.put((write, None, None))

    def time_taken(self, logged: int, ms: float) -> None:
        """Adds a delivery's time taken to its log row, with the next batch (all of a batch's in
        one statement)."""
        self._timings.put((ms, logged))
        self._queue.put((_NOTHING, None, None))  # wakes the writer

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            timings = []
            while True:
                try:
                    timings.append(self._timings.get_nowait())
                except queue.Empty:
                    break
            try:
                results = self._commit([write for write, _, _ in batch], timings)
            except Exception as batch_error:
                if self._store.is_unavailable(batch_error):
                    # The store's own trouble (a lock not had in 30 s, a lost connection): every
                    # write of the batch would meet it again, one wait each. All fail now (500s:
                    # the gateway redelivers).
                    for item in batch:
                        self._settle(item, None, batch_error)
                    self._reconnect_if_unusable(batch_error)
                    continue
                # One transaction each: a failure is only its own write's.
                for item in batch:
                    try:
                        self._settle(item, self._commit([item[0]])[0], None)
                    except Exception as error:  # noqa: BLE001 (the request answers 500 with it)
                        self._settle(item, None, error)
                        self._reconnect_if_unusable(error)
                try:
                    self._commit([], timings)
                except Exception as error:  # noqa: BLE001 (a log column only)
                    print(f"receiver: the deliveries' times taken were not written: {error!r}", file=sys.stderr, flush=True)
            else:
                for item, result in zip(batch, results):
                    self._settle(item, result, None)

    def _commit(self, writes: List[Write], timings: Sequence[Tuple[float, int]] = ()) -> List[Any]:
        with self._store.transaction():
            if timings:
                self._store.executemany("UPDATE deliveries SET ms = ? WHERE id = ?", timings)
            return [write(self._store) for write in writes]

    def _reconnect_if_unusable(self, error: Exception) -> None:
        """A lost PostgreSQL connection stays lost: the next write gets a new one."""
        if self._store.is_unavailable(error) and self._store.postgres:
            try:
                self._store.close()
            finally:
                try:
                    self._store = Store(self._db)
                except Exception:  # noqa: BLE001 (the next batch tries again)
                    pass

    @staticmethod
    def _settle(item: Tuple[Write, Any, Any], result: Any, error: BaseException | None) -> None:
        _, loop, future = item
        if future is None:
            if error is not None:  # a `later` write (a time taken): nobody awaits it, so it is logged
                print(f"receiver: a deferred write failed: {error!r}", file=sys.stderr, flush=True)
            return

        def settle() -> None:
            if future.done():  # the request went away (cancelled)
                return
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
        loop.call_soon_threadsafe(settle)
