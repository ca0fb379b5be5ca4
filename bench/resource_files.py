"""The cost of a learning resource with a 10 MB file: publishing it (`compagnon resource
publish ... --file`, as a trainer runs it, and the same work in-process without the
interpreter's start-up), and reading the file back through the node, whole and in 64 KB
ranges (what a PDF viewer or a video player asks for).

    python -m bench.resource_files [--reps 5] [--ranges 200]

A real node (`compagnon serve`, SQLite, worker off) on loopback in a scratch directory,
stopped by its pid at the end; every loop is bounded by its count. Prints medians with
min-max and nearest-rank percentiles; asserts no time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.node import NodeSpec, running
from bench.stats import percentile, spread
from compagnon import operations
from compagnon.domain.resources import LearningResource
from compagnon.operations.resource_files import store_files

MB = 1_000_000
RANGE = 64 * 1024


def big_pdf(path: Path, size: int, seed: int) -> Path:
    """A PDF of about `size` bytes: one blank page and an unreferenced stream of random
    bytes (what a scanned handout weighs), different for each seed (no deduplication)."""
    body = random.Random(seed).randbytes(size)
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
        + f"4 0 obj<</Length {len(body)}>>stream\n".encode()
        + body
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return path


def publish_by_cli(cli: Path, env: dict[str, str], *args: str | Path) -> float:
    """Seconds `compagnon resource publish ana ARGS` takes, start-up included."""
    started = time.perf_counter()
    subprocess.run(
        [cli, "resource", "publish", "ana", "--license", "CC BY 4.0", *args],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return time.perf_counter() - started


def show(name: str, values: list[float], unit: str = "s") -> None:
    mid, low, high = spread(values)
    print(f"{name}: median {mid:.3f} {unit} (min-max {low:.3f}-{high:.3f}, n={len(values)})")


async def main(reps: int, ranges: int) -> None:
    with tempfile.TemporaryDirectory(prefix="compagnon-bench-files-") as scratch:
        work = Path(scratch)
        async with running(NodeSpec("files", work), users=("ana",)) as node:
            env = {**os.environ, **node.env}
            cli = Path(sys.executable).parent / "compagnon"
            by_cli, in_process, link_only = [], [], []
            for rep in range(reps):
                link_only.append(
                    await asyncio.to_thread(
                        publish_by_cli,
                        cli,
                        env,
                        "--title",
                        f"Link {rep}",
                        "--url",
                        "https://cfp.example.org/x",
                    )
                )
                pdf = big_pdf(work / f"handout-{rep}.pdf", 10 * MB, seed=rep)
                by_cli.append(
                    await asyncio.to_thread(
                        publish_by_cli, cli, env, "--title", f"Handout {rep}", "--file", pdf
                    )
                )
                pdf = big_pdf(work / f"inproc-{rep}.pdf", 10 * MB, seed=1000 + rep)
                started = time.perf_counter()
                files = await store_files(node.settings, "ana", [pdf])
                resource = LearningResource(
                    f"Handout {rep}", "", "", "CC BY 4.0", "en", attachments=tuple(files)
                )
                await operations.publish_resource(node.settings, "ana", resource, "public")
                in_process.append(time.perf_counter() - started)
            started = time.perf_counter()
            await store_files(node.settings, "ana", [work / "inproc-0.pdf"])
            again = time.perf_counter() - started
            url, size = files[0].url, files[0].size or 0

            whole, parts = [], []
            async with aiohttp.ClientSession() as http:
                for _ in range(reps):
                    started = time.perf_counter()
                    async with http.get(url) as answer:
                        assert answer.status == 200 and len(await answer.read()) == size
                    whole.append(time.perf_counter() - started)
                rng = random.Random(7)
                for _ in range(ranges):
                    start = rng.randrange(0, size - RANGE)
                    headers = {"Range": f"bytes={start}-{start + RANGE - 1}"}
                    started = time.perf_counter()
                    async with http.get(url, headers=headers) as answer:
                        assert answer.status == 206 and len(await answer.read()) == RANGE
                    parts.append((time.perf_counter() - started) * 1000)

    show("publish with a 10 MB PDF, CLI (interpreter start-up included)", by_cli)
    show("publish a link only, CLI (the same start-up, no file)", link_only)
    show("publish with a 10 MB PDF, in-process (store + check + publish)", in_process)
    print(f"the same 10 MB file stored again (already held): {again:.3f} s")
    show("GET the whole 10 MB file", whole)
    print(
        f"GET a 64 KB range at a random offset: p50 {percentile(parts, 50):.2f} ms, "
        f"p99 {percentile(parts, 99):.2f} ms (n={len(parts)})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--ranges", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.reps, args.ranges))
