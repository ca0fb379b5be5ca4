"""placeholder"""

from bench.report import Measure
from bench.scenarios.context import Bench


async def run(bench: Bench) -> list[Measure]:
    return []
