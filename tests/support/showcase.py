"""A node with something on every main page: two trainers (one the centre's admin), posts,
a learning resource with files, an event and a training module. Seeded through
`operations` (what the CLI does), so it works on a test node and on a bench node alike.
The browser tests (accessibility, screenshots) and bench/page_weight.py read the same pages."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from PIL import Image

from compagnon import operations
from compagnon.config import Settings
from compagnon.domain.collections import Module
from compagnon.domain.events import Event
from compagnon.operations import admin as admin_ops
from compagnon.operations import collections, events
from compagnon.operations.resource_files import store_files
from tests.support.resources import WELDING
from tests.unit.test_media_sniff import MINIMAL_PDF

ADMIN = "maria"
TRAINER = "pedro"
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Showcase:
    resource: str
    event: str
    module: str

    def pages(self) -> dict[str, str]:
        """Each main page's path (or URL), by name; the signed-in pages are read as ADMIN."""
        return {
            "start": "/",
            "login": "/login",
            "home": "/home",
            "centre": "/centre",
            "network": "/network",
            "search": "/search?q=welding",
            "profile": f"/@{ADMIN}",
            "resource": self.resource,
            "event": self.event,
            "module": self.module,
            "modules": "/modules",
            "module-new": "/modules/new",
            "journey-new": "/modules/new?kind=journey",
            "event-new": "/events/new",
            "question-new": "/questions/new",
            "notifications": "/notifications",
            "admin": "/admin",
            "admin-accounts": "/admin/accounts",
            "admin-centre": "/admin/centre",
            "offline": "/offline",
        }


def _files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    photo = folder / "torch.jpg"
    Image.new("RGB", (1600, 1200), (180, 90, 40)).save(photo, quality=85)
    sheet = folder / "Checklist.pdf"
    sheet.write_bytes(MINIMAL_PDF)
    return [photo, sheet]


async def seed(settings: Settings, folder: Path) -> Showcase:
    for username in (ADMIN, TRAINER):
        await operations.create_user(settings, username, PASSWORD)
    async with operations.database(settings) as sessions, sessions.begin() as session:
        await admin_ops.set_role(session, ADMIN, "admin")
    await operations.post(settings, TRAINER, "Our welding workshop opens on Saturday.", "public")
    await operations.post(
        settings, ADMIN, "Exam dates for the EQF 3 class are on the board. #welding", "public"
    )
    files = await store_files(settings, ADMIN, _files(folder))
    resource = await operations.publish_resource(
        settings,
        ADMIN,
        replace(WELDING, attachments=tuple(files)),
        "public",
        licence_checked=True,
    )
    year = datetime.now().year + 1
    event = await events.publish_event(
        settings,
        ADMIN,
        Event(
            title="Welding safety seminar",
            description="Half a day on flashback arrestors.",
            start=datetime(year, 3, 1, 9, 0),
            end=datetime(year, 3, 1, 13, 30),
            timezone="Europe/Lisbon",
            place="Centro de Formação de Setúbal",
            address="Rua da Escola 12, 2900 Setúbal",
            language="en",
            capacity=20,
        ),
    )
    module = await collections.publish(
        settings,
        ADMIN,
        Module(title="Gas welding, first week", language="en", items=(resource,)),
        "public",
    )
    return Showcase(resource=resource, event=event, module=module)
