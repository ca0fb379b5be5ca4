"""Send fediverse-pasture-inputs' Create(Note) corpus to one actor, from pasture's one_actor.

Runs with the interpreter of tests/interop/peers/pasture/.venv:

    .venv/bin/python run_inputs.py PORT DATA_DIR TARGET_ACTOR_URI [INPUT_NAME ...]
    .venv/bin/python run_inputs.py --list

Serves fediverse_pasture.one_actor's actor at http://127.0.0.1:PORT/actor (keys in
DATA_DIR/data.toml; the target fetches the key from there to check the signature), then, for
every example of every input named (default: all of fediverse_pasture_inputs.available, 262
examples in 0.3.0), builds the Create(Note) the way `python -m fediverse_pasture.send
--input_name NAME --input_number N TARGET` does and POSTs it, draft-cavage signed, to the
target's inbox. Prints one JSON line per example:
`{"input", "number", "status", "response", "activity"}` (status null: no answer),
then `{"done": true, "sent": n, "failed": n}`. --list prints `{"name": count}`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import sys
from typing import Any

import fediverse_pasture_inputs

if sys.argv[1:] == ["--list"]:
    counts = {name: len(i.examples) for name, i in fediverse_pasture_inputs.available.items()}
    print(json.dumps(counts))
    sys.exit(0)

PORT = int(sys.argv[1])
os.chdir(sys.argv[2])
TARGET = sys.argv[3]
NAMES = sys.argv[4:] or list(fediverse_pasture_inputs.available)

import aiohttp  # noqa: E402
import uvicorn  # noqa: E402
from fediverse_pasture.data_provider import DataProvider, bovine_actor_for_actor_data  # noqa: E402
from fediverse_pasture.runner import ActivitySender  # noqa: E402
from fediverse_pasture.server.one_actor_app import app_for_data_provider  # noqa: E402

logging.basicConfig(level=logging.WARNING, stream=sys.stderr)


class RecordingSender(ActivitySender):
    """ActivitySender that keeps the inbox's answer instead of raising on 4xx/5xx."""

    response: tuple[int | None, str] = (None, "")

    async def _perform_post(self, remote_inbox: str, create: dict[str, Any]) -> Any:
        response = await self.bovine_actor.client.post(remote_inbox, json.dumps(create))
        self.response = (response.status, (await response.text())[:500])
        return response


async def main() -> int:
    data = DataProvider.generate_and_load(False)
    server = uvicorn.Server(
        uvicorn.Config(app_for_data_provider(data), host="127.0.0.1", port=PORT,
                       log_level="warning", lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    for _ in range(100):  # bounded: wait until the one_actor app listens
        if server.started or serving.done():
            break
        await asyncio.sleep(0.05)
    if not server.started:
        print(json.dumps({"done": False, "error": "one_actor did not start"}), flush=True)
        return 2

    sent = failed = 0
    async with aiohttp.ClientSession() as session:
        bovine_actor, actor = bovine_actor_for_actor_data(f"http://127.0.0.1:{PORT}/actor",
                                                          data.one_actor)
        await bovine_actor.init(session=session)
        base = ActivitySender.for_actor(bovine_actor, actor)
        fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
        sender = RecordingSender(**fields)
        sender.sleep_after_getting_inbox = False
        for name in NAMES:
            for number, example in enumerate(fediverse_pasture_inputs.available[name].examples):
                sender.response = (None, "")
                sender.init_create_note(lambda note, ex=example: {**note, "content": "text", **ex})
                try:
                    await sender.send(TARGET)
                except Exception as error:  # the target's actor or inbox is unreachable
                    sender.response = (None, repr(error))
                status, body = sender.response
                ok = status is not None and 200 <= status < 300
                sent += 1
                failed += not ok
                line = {"input": name, "number": number, "status": status, "response": body,
                        "activity": sender.activity}
                print(json.dumps(line), flush=True)
    print(json.dumps({"done": True, "sent": sent, "failed": failed}), flush=True)
    server.should_exit = True
    await serving
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
