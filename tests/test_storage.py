"""The database file: private, migrated once, same schema fresh or upgraded."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from storage.db import MIGRATIONS_TABLE, Database, available_migrations, split_statements


def _schema(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    connection.close()
    return rows


async def test_database_file_is_private_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "bot.sqlite3"
    db = await Database.open(path)
    try:
        rows = await db.fetch_all("SELECT version, name FROM schema_migrations ORDER BY version")
        mode = await db.fetch_one("PRAGMA journal_mode")
        keys = await db.fetch_one("PRAGMA foreign_keys")
    finally:
        await db.close()

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [row["name"] for row in rows] == [name for _, name, _ in available_migrations()]
    assert mode[0] == "wal" and keys[0] == 1


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await (await Database.open(path)).close()
    db = await Database.open(path)
    try:
        assert await db.migrate() == []
    finally:
        await db.close()


async def test_upgraded_database_has_the_fresh_schema(tmp_path: Path) -> None:
    migrations = available_migrations()
    old = tmp_path / "old.sqlite3"
    # Build a database as the oldest release left it: the first migration only.
    with sqlite3.connect(old) as connection:
        connection.execute(MIGRATIONS_TABLE)
        version, name, sql = migrations[0]
        for statement in split_statements(sql):
            connection.execute(statement)
        connection.execute(
            "INSERT INTO schema_migrations VALUES (?, ?, '2026-01-01T00:00:00Z')", (version, name)
        )
    connection.close()
    fresh = tmp_path / "fresh.sqlite3"

    for path in (old, fresh):
        await (await Database.open(path)).close()

    assert _schema(old) == _schema(fresh)


async def test_a_failed_transaction_rolls_back(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as connection:
                await connection.execute(
                    "INSERT INTO people (handle, role, name, created_at)"
                    " VALUES ('a', 'patient', 'A', 'now')"
                )
                await connection.execute(
                    "INSERT INTO people (handle, role, name, created_at)"
                    " VALUES ('a', 'patient', 'A again', 'now')"
                )
        assert await db.fetch_all("SELECT * FROM people") == []
    finally:
        await db.close()


def test_split_statements_keeps_semicolons_inside_strings() -> None:
    sql = "CREATE TABLE t (x TEXT DEFAULT 'a;b');\n-- note\nINSERT INTO t VALUES ('c;d');\n"
    assert len(split_statements(sql)) == 2
