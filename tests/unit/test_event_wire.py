"""The Event on the wire: what Mastodon shows of it, and reading it back (ours and a
Mobilizon-shaped one)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from compagnon.domain.events import Event, normalised
from compagnon.federation.event_convert import event_from_document, times_of, to_event_object
from compagnon.storage.models import Actor, Object

AUTHOR = Actor(uri="https://a.example/users/ana", username="ana", domain="a.example")
ONLINE = normalised(
    Event(
        title="Webinar: EQF levels explained",
        description="One hour.",
        start=datetime(2027, 10, 31, 1, 30),  # the night Lisbon leaves summer time
        end=datetime(2027, 10, 31, 2, 30),
        timezone="Europe/Lisbon",
        online="https://meet.example.org/eqf",
        language="pt",
    )
)


def wire(event: Event) -> dict[str, object]:
    obj = Object(uri="https://a.example/objects/1", recipients={"to": [], "cc": []})
    obj.published = datetime.fromisoformat("2026-12-01T10:00:00+00:00")
    return to_event_object(event, obj, AUTHOR)


def test_an_online_event_round_trips_and_mastodon_sees_when_and_the_link() -> None:
    doc = wire(ONLINE)
    assert doc["type"] == "Event" and doc["isOnline"] is True and "location" not in doc
    assert doc["attachment"] == [
        {"type": "Link", "name": "Online", "mediaType": "text/html", "href": ONLINE.online}
    ]
    # Mastodon renders a converted object as <h2>name</h2> + summary + link: all it needs.
    assert "2027-10-31 01:30-02:30 (Europe/Lisbon)" in str(doc["summary"])
    assert ONLINE.online in str(doc["summary"])
    assert doc["startTime"] == "2027-10-31T01:30:00+01:00"
    assert event_from_document(doc) == ONLINE


def test_a_mobilizon_shaped_event_is_read() -> None:
    doc = {
        "id": "https://mobilizon.example/events/5b2a",
        "type": "Event",
        "name": "Repair café",
        "content": "<p>Bring what is broken.</p>",
        "startTime": "2027-05-04T15:00:00Z",
        "endTime": "2027-05-04T18:00:00Z",
        "timezone": "Europe/Paris",
        "maximumAttendeeCapacity": 0,
        "location": {
            "type": "Place",
            "name": "Maison des associations",
            "address": {
                "type": "PostalAddress",
                "streetAddress": "1 rue de la Paix",
                "addressLocality": "Lyon",
            },
        },
    }
    event = event_from_document(doc)
    assert event is not None
    assert (event.start, event.end) == (datetime(2027, 5, 4, 17, 0), datetime(2027, 5, 4, 20))
    assert event.place == "Maison des associations"
    assert event.address == "1 rue de la Paix, Lyon"
    assert event.capacity is None  # Mobilizon's 0 means no limit
    assert event_from_document({**doc, "startTime": "soon"}) is None
    unknown_zone = event_from_document({**doc, "timezone": "Mars/Olympus"})
    assert unknown_zone is not None and unknown_zone.timezone == "UTC"


def test_odd_values_from_peers_never_break_storage() -> None:
    """What a hostile or sloppy peer sends is read as "no event" or "no capacity", never an
    exception and never a number the capacity column cannot hold."""
    base = {"id": "https://x.example/e", "type": "Event", "name": "x"}
    edge = {**base, "startTime": "0001-01-01T00:00:00+05:00"}  # before year 1 in UTC
    assert event_from_document(edge) is None and times_of(edge) is None
    late = {**base, "startTime": "9999-12-31T23:00:00-05:00"}  # after year 9999 in UTC
    assert event_from_document(late) is None and times_of(late) is None
    for capacity in (2**40, True, -3, 1.5, "12"):
        read = event_from_document(
            {**base, "startTime": "2027-01-01T10:00:00Z", "maximumAttendeeCapacity": capacity}
        )
        assert read is not None and read.capacity is None, capacity


def test_the_event_mobilizon_org_served_is_read() -> None:
    """A captured Mobilizon payload (tests/interop/payloads/SOURCES.md)."""
    path = Path(__file__).parents[1] / "interop" / "payloads" / "mobilizon" / "event.json"
    event = event_from_document(json.loads(path.read_text()))
    assert event is not None and event.title == "Mobilizon Launching Party"
    assert (event.start, event.end, event.timezone) == (
        datetime(2019, 12, 18, 13, 0),
        datetime(2019, 12, 18, 14, 0),
        "UTC",  # that Mobilizon version sent no timezone
    )
    assert event.place == "Cour du Château des Ducs de Bretagne"
    assert event.address == "Nantes, France"
    assert event.capacity is None and event.online == ""
