"""One long-lived aiosqlite connection, its pragmas, transactions and migrations."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from storage.timestamps import to_db

MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations"
    " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


class Database:
    """A serialised view of one connection.

    Handlers run concurrently, so two of them must never interleave statements inside one
    transaction on the shared connection: every use goes through ``transaction()`` or
    ``read()``, which take one lock.
    """

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Open (creating with mode 0600 if needed) and migrate the database at ``path``."""
        await asyncio.to_thread(_create_private_file, path)
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = sqlite3.Row
        database = cls(connection, path)
        try:
            for pragma in (
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA busy_timeout = 5000",
            ):
                await connection.execute(pragma)
            await database.migrate()
        except BaseException:
            # Not a database, or a migration failed: never leave the worker thread running.
            await connection.close()
            raise
        _restrict_sidecar_files(path)
        return database

    async def close(self) -> None:
        await self._connection.close()

    async def backup(self, target: Path) -> None:
        """Copy a consistent snapshot to a new private file, safe while the bot runs."""
        if await asyncio.to_thread(target.exists):
            raise FileExistsError(f"{target} already exists")
        await asyncio.to_thread(_create_private_file, target)
        async with self._lock:
            destination = await aiosqlite.connect(target)
            try:
                await self._connection.backup(destination)
            finally:
                await destination.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block of writes atomically (``BEGIN IMMEDIATE`` … ``COMMIT``)."""
        async with self._lock:
            try:
                await self._connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                raise _busy_or(error) from None
            try:
                yield self._connection
            except BaseException:
                if self._connection.in_transaction:
                    await self._connection.execute("ROLLBACK")
                raise
            try:
                await self._connection.execute("COMMIT")
            except sqlite3.OperationalError as error:
                if self._connection.in_transaction:
                    await self._connection.execute("ROLLBACK")
                raise _busy_or(error) from None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run reads without another coroutine's half-done transaction in between."""
        async with self._lock:
            yield self._connection

    async def fetch_all(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self.read() as connection, connection.execute(sql, tuple(parameters)) as cur:
            return list(await cur.fetchall())

    async def fetch_one(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Row | None:
        async with self.read() as connection, connection.execute(sql, tuple(parameters)) as cur:
            return await cur.fetchone()

    async def migrate(self) -> list[str]:
        """Apply every migration not yet applied, each in its own transaction."""
        async with self._lock:
            await self._connection.execute(MIGRATIONS_TABLE)
            async with self._connection.execute(
                "SELECT coalesce(max(version), 0) FROM schema_migrations"
            ) as cursor:
                (current,) = await cursor.fetchone()
        applied = []
        for version, name, sql in available_migrations():
            if version <= current:
                continue
            async with self.transaction() as connection:
                for statement in split_statements(sql):
                    await connection.execute(statement)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, to_db(datetime.now(UTC))),
                )
            applied.append(name)
        return applied


def available_migrations() -> list[tuple[int, str, str]]:
    """The numbered ``NNNN_name.sql`` files shipped in ``storage/migrations``, in order."""
    folder = resources.files("storage") / "migrations"
    migrations = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, _ = entry.name.partition("_")
            migrations.append((int(number), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(migrations)


def split_statements(sql: str) -> list[str]:
    """Split a script into statements (``executescript`` would commit our transaction)."""
    statements, pending = [], ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip().strip(";").strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement at the end of a migration: {pending!r}")
    return statements


class DatabaseBusy(sqlite3.OperationalError):
    """Another connection holds the database for now ("database is locked"): worth a retry."""


class AlreadyRunning(Exception):
    """Another process holds the database's run lock (see ``run_lock``)."""


@contextmanager
def run_lock(database: Path) -> Iterator[None]:
    """Hold ``<database>.lock`` for as long as the bot runs: one running bot per database.

    The operating system releases the lock when the process ends, however it ends (even
    ``kill -9``), so a crash never leaves a stale lock. Other commands (invite, import,
    reports, backups) do not take it and keep working beside the running bot.
    """
    import fcntl

    lock_path = database.with_name(database.name + ".lock")
    _create_private_file(lock_path)
    with open(lock_path, "r+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = handle.read().strip() or "another process"
            raise AlreadyRunning(holder) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _busy_or(error: sqlite3.OperationalError) -> sqlite3.OperationalError:
    """``DatabaseBusy`` for a lock held elsewhere, the error itself for anything else."""
    text = str(error).lower()
    return DatabaseBusy(str(error)) if "locked" in text or "busy" in text else error


def _create_private_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _restrict_sidecar_files(path: Path) -> None:
    """Patient data lives in the WAL files too; keep them private like the database."""
    for suffix in ("", "-wal", "-shm"):
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            sidecar.chmod(0o600)
