"""What a therapist does with catch-up material: choose what it covers, add links and
files, and send it to everyone who missed those sessions."""

from __future__ import annotations

from dataclasses import dataclass

from bot.attendance.aftercare import deliver_new_material
from bot.services import Services
from storage import materials as material_store
from storage import schedule as schedule_store
from storage.materials import Material, MaterialTarget
from storage.records import Occurrence, Person


async def choose_session(s: Services, therapist: Person, occurrence_id: int) -> Occurrence | None:
    """Start adding material for one session the therapist leads; None if not theirs."""
    occurrence = await schedule_store.led_occurrence(s.db, therapist.id, occurrence_id)
    if occurrence is not None:
        target = MaterialTarget(occurrence.id, None)
        await material_store.set_target(s.db, therapist.id, target, s.clock.now())
    return occurrence


async def widen_to_series(s: Services, therapist: Person, *, series: bool) -> Occurrence | None:
    """Keep the chosen session, or widen the material to its whole series; None if the
    choice expired."""
    target = await material_store.get_target(s.db, therapist.id)
    occurrence = target and await schedule_store.led_occurrence(
        s.db, therapist.id, target.occurrence_id or 0
    )
    if occurrence is None:
        return None
    if series:
        target = MaterialTarget(None, occurrence.series_id)
    await material_store.set_target(s.db, therapist.id, target, s.clock.now())
    return occurrence


async def add_material(
    s: Services, therapist: Person, *, title: str, url: str | None, file_id: str | None
) -> bool:
    """Keep one link or file for the chosen sessions; False if nothing is chosen."""
    target = await material_store.get_target(s.db, therapist.id)
    if target is None:
        return False
    await material_store.add_material(
        s.db, target, title=title, url=url, file_id=file_id, added_by=therapist.id,
        now=s.clock.now(),
    )  # fmt: skip
    return True


@dataclass(frozen=True)
class Delivered:
    target: MaterialTarget | None
    added: list[Material]


async def finish_adding(s: Services, therapist: Person) -> Delivered:
    """Send what was added to everyone marked absent at those sessions, then close."""
    target = await material_store.get_target(s.db, therapist.id)
    added = await material_store.added_since(s.db, therapist.id, target) if target else []
    if added:
        # Delivery is queued before the target is cleared or anything is said.
        await deliver_new_material(s, target, added)
    await material_store.clear_target(s.db, therapist.id)
    return Delivered(target, added)
