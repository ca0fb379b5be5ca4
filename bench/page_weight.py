"""Page weights: what each main page of a seeded node costs to download before its images
(HTML + the CSS and JS it links), raw and gzip-compressed, against the 100 KB goal of
issue 10. The node runs as `compagnon serve` (its own process, SQLite), seeded with the
pages' content by tests/support/showcase.py (operations, as the CLI does).

    python -m bench.page_weight            # prints the Markdown table of bench/README.md
    python -m bench.page_weight --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
from pathlib import Path

import httpx

from bench.node import REPO, CompagnonNode, NodeSpec
from tests.support.page_weight import LIMIT, Weight, weigh
from tests.support.showcase import ADMIN, seed
from tests.support.signin import sign_in


def kb(n: int) -> str:
    return f"{n / 1024:.1f}"


def table(weights: list[Weight]) -> str:
    lines = [
        "| page | status | HTML (KB) | CSS + JS (KB) | total raw (KB) | total gzip (KB) "
        "| under 100 KB |",
        "|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for w in weights:
        mark = "yes" if w.total <= LIMIT else "**no**"
        lines.append(
            f"| {w.page} | {w.status} | {kb(w.html)} | {kb(w.assets)} | {kb(w.total)} "
            f"| {kb(w.gzip_total)} | {mark} |"
        )
    return "\n".join(lines)


async def measure(workdir: Path) -> list[Weight]:
    node = CompagnonNode(NodeSpec(name="weights", workdir=workdir))
    pages = await seed(node.settings, workdir / "files")  # before it starts, as the CLI would
    await node.start()
    try:
        async with httpx.AsyncClient(base_url=node.base_url) as http:
            await sign_in(http, ADMIN)
            return [await weigh(http, name, path) for name, path in pages.pages().items()]
    finally:
        node.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    # The node process runs this checkout's code, not whatever the venv has installed.
    os.environ["PYTHONPATH"] = str(REPO)
    with tempfile.TemporaryDirectory(prefix="compagnon-weights-") as scratch:
        weights = asyncio.run(measure(Path(scratch)))
    print(table(weights))
    if args.json:
        rows = [{**w.__dict__, "total": w.total} for w in weights]
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
