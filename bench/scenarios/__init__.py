"""One module per scenario; each exposes `async def run(bench) -> list[Measure]`."""
