"""Dialog states of ConversationHandlers, so an open dialog survives a restart."""

from __future__ import annotations

import json

from storage.db import Database


async def load_states(db: Database, name: str) -> dict[tuple[int | str, ...], object]:
    rows = await db.fetch_all("SELECT key, state FROM conversations WHERE name = ?", (name,))
    return {tuple(json.loads(row["key"])): json.loads(row["state"]) for row in rows}


async def save_state(
    db: Database, name: str, key: tuple[int | str, ...], state: object | None
) -> None:
    """Store ``state`` for ``key``; ``None`` means the dialog ended."""
    encoded_key = json.dumps(list(key))
    async with db.transaction() as conn:
        if state is None:
            await conn.execute(
                "DELETE FROM conversations WHERE name = ? AND key = ?", (name, encoded_key)
            )
        else:
            await conn.execute(
                "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?)"
                " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                (name, encoded_key, json.dumps(state)),
            )


async def forget_typed_answers(db: Database, therapist_id: int) -> None:
    """The therapist starts a new question that their next message answers (a letter's period
    or note, a time or note for a make-up request, a waiver's reason): every earlier one is
    closed, so a message typed for one can never be taken as the answer to another (another
    patient's note)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE letters SET awaiting = NULL WHERE therapist_id = ? AND awaiting IS NOT NULL",
            (therapist_id,),
        )
        await conn.execute(
            "UPDATE reschedule_requests SET awaiting = NULL WHERE therapist_id = ?"
            " AND awaiting IS NOT NULL",
            (therapist_id,),
        )
        await conn.execute(
            "UPDATE charges SET waiving_by = NULL WHERE waiving_by = ?", (therapist_id,)
        )
