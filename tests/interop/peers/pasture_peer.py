"""fediverse-pasture (own venv: it depends on bovine, which pins pyld < 3): verify_actor, to
check how an inbox treats signed and unsigned requests, and the inputs corpus.

    ensure_installed()
    async with run_verify_actor(port) as pasture:
        result = await pasture.verify("http://127.0.0.1:8080/users/alice")
        assert post_inbox_verdicts(result) == IDEAL_POST_INBOX and result["webfinger"]

    results = await run_inputs_corpus("http://127.0.0.1:8080/users/alice", port=free_port())

See README.md beside this file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, cast

import httpx

from ._process import (
    PEERS_DIR,
    PeerError,
    check,
    ensure_venv,
    log_directory,
    running_process,
    stop_process,
    tail,
    wait_until_ready,
)

PASTURE_DIR = PEERS_DIR / "pasture"
VENV = PASTURE_DIR / ".venv"
REQUIREMENTS = PASTURE_DIR / "requirements.txt"
VERIFY_SCRIPT = PASTURE_DIR / "verify_actor_app.py"
INPUTS_SCRIPT = PASTURE_DIR / "run_inputs.py"

# verify_actor's six actors. alice POSTs unsigned, dean too (both must be refused); bob,
# claire, emily and frank sign; claire and dean serve their key only to signed GETs.
ACTOR_NAMES = ("alice", "bob", "claire", "dean", "emily", "frank")
IDEAL_POST_INBOX = {
    "alice": False, "bob": True, "claire": True, "dean": False, "emily": True, "frank": True,
}


class ActorVerdict(TypedDict):
    get_actor: bool
    post_inbox: bool


class InputResult(TypedDict):
    input: str
    number: int
    status: int | None
    response: str
    activity: dict[str, Any] | None


def ensure_installed() -> Path:
    """Create tests/interop/peers/pasture/.venv from the pinned requirements.txt unless
    already done; return its python. Idempotent."""
    return ensure_venv(VENV, REQUIREMENTS)


def post_inbox_verdicts(result: dict[str, Any]) -> dict[str, bool]:
    """``{actor_name: post_inbox}`` from a verify() result, to compare with IDEAL_POST_INBOX."""
    return {name: bool(result[name]["post_inbox"]) for name in ACTOR_NAMES if name in result}


@dataclass
class VerifyActor:
    """verify_actor serving on ``base_url``; its test actors are ``base_url/<name>``."""

    base_url: str
    timeout: float
    log_path: Path
    client: httpx.AsyncClient
    messages: list[Any] = field(default_factory=list)

    async def form(self) -> str:
        """The HTML form verify_actor shows at /."""
        return check(await self.client.get(f"{self.base_url}/")).text

    async def verify(self, actor_uri: str) -> dict[str, Any]:
        """POST ``actor_uri=`` (JSON answer requested) and return verify_actor's result:
        ``{"alice": {"get_actor": bool, "post_inbox": bool}, ..., "webfinger": bool}``.
        The verifier's step log is kept in ``self.messages``."""
        response = await self.client.post(
            f"{self.base_url}/",
            data={"actor_uri": actor_uri},
            headers={"accept": "application/json"},
            timeout=len(ACTOR_NAMES) * 2 * self.timeout + 10.0,
        )
        answer = check(response).json()
        self.messages = json.loads(answer.get("messages") or "{}").get("steps", [])
        result: dict[str, Any] = answer["result"]
        return result


@contextlib.asynccontextmanager
async def run_verify_actor(
    port: int, *, request_timeout: float = 20.0, log_dir: Path | None = None
) -> AsyncIterator[VerifyActor]:
    """Serve ``fediverse_pasture.verify_actor.build_app(False, "127.0.0.1:PORT", False,
    request_timeout)`` (the verifier's limit per request, seconds) with uvicorn on
    127.0.0.1:PORT (keys in a temporary directory), wait (bounded) until its form answers,
    yield a VerifyActor, stop the process by its pid."""
    python = ensure_installed()
    with (
        log_directory(log_dir) as logs,
        tempfile.TemporaryDirectory(prefix="compagnon-pasture-") as data,
    ):
        log_path = logs / f"verify-actor-{port}.log"
        async with (
            httpx.AsyncClient(timeout=30.0) as client,
            running_process(
                [python, VERIFY_SCRIPT, str(port), data, str(request_timeout)],
                cwd=PASTURE_DIR,
                log_path=log_path,
            ) as process,
        ):
            base_url = f"http://127.0.0.1:{port}"
            form = await wait_until_ready(
                process, client, f"{base_url}/", name="verify_actor", log_path=log_path
            )
            if "actor_uri" not in form.text:
                raise PeerError(f"another server answers on {base_url}: {form.text[:200]}")
            yield VerifyActor(base_url, request_timeout, log_path, client)


async def list_inputs() -> dict[str, int]:
    """``{input_name: number_of_examples}`` of fediverse-pasture-inputs."""
    python = ensure_installed()
    process = await asyncio.create_subprocess_exec(
        str(python), str(INPUTS_SCRIPT), "--list",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise PeerError(f"run_inputs.py --list failed: {err.decode()[-2000:]}")
    counts: dict[str, int] = json.loads(out)
    return counts


async def run_inputs_corpus(
    target_actor: str,
    *,
    port: int,
    inputs: Sequence[str] = (),
    log_dir: Path | None = None,
    time_limit: float = 900.0,
) -> list[InputResult]:
    """Send every example of ``inputs`` (default: all, 262 in 0.3.0) as a signed
    Create(Note) from pasture's one_actor (served on 127.0.0.1:``port`` meanwhile, so the
    target can fetch its key) to ``target_actor``'s inbox. One InputResult per example:
    the inbox's status (None: no answer) and body, and the activity sent. Bounded by
    ``time_limit`` seconds in all; the process is killed by its pid if it overruns."""
    python = ensure_installed()
    with (
        log_directory(log_dir) as logs,
        tempfile.TemporaryDirectory(prefix="compagnon-pasture-") as data,
    ):
        log_path = logs / f"pasture-inputs-{port}.log"
        out_path = logs / f"pasture-inputs-{port}.jsonl"
        argv = [python, INPUTS_SCRIPT, str(port), data, target_actor, *inputs]
        # Output to files: no pipe to drain, and the results stay for reading later.
        with open(out_path, "wb") as out, open(log_path, "wb") as err:  # noqa: ASYNC230
            process = await asyncio.create_subprocess_exec(
                *map(str, argv), cwd=PASTURE_DIR, stdout=out, stderr=err
            )
            try:
                await asyncio.wait_for(process.wait(), time_limit)
            except TimeoutError:
                raise PeerError(f"run_inputs.py overran {time_limit} s\n{tail(log_path)}") from None
            finally:
                await stop_process(process)
        lines = [json.loads(line) for line in out_path.read_text().splitlines() if line.strip()]
    if not lines or not lines[-1].get("done"):
        raise PeerError(f"run_inputs.py failed ({process.returncode})\n{tail(log_path)}")
    return [cast(InputResult, line) for line in lines[:-1]]
