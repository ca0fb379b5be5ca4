"""Results: one Measure per figure, collected per scenario, written as JSON and shown as a
Markdown table (the same table that is pasted into README.md)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import machine
from bench.stats import spread

RESULTS_DIR = Path(__file__).parent / "results"


@dataclass
class Measure:
    """A figure over repeated runs. `goal` is a short text ("≥ 1,500/s"); `met` is None when
    the figure has no goal of its own or could not be measured."""

    scenario: str
    name: str
    unit: str
    runs: list[float]
    goal: str = ""
    met: bool | None = None
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return spread(self.runs)[0]

    def row(self) -> list[str]:
        med, low, high = spread(self.runs)
        if not self.runs:
            shown, ranged = "n/a", ""
        else:
            shown = f"{_fmt(med)} {self.unit}"
            ranged = f"{_fmt(low)}-{_fmt(high)}" if len(self.runs) > 1 else ""
        verdict = {True: "met", False: "**not met**", None: ""}[self.met]
        return [
            self.scenario,
            self.name,
            shown,
            ranged,
            str(len(self.runs)),
            self.goal,
            verdict,
            self.note,
        ]


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


@dataclass
class Results:
    command: str
    quick: bool
    sizes: dict[str, Any] = field(default_factory=dict)
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    machine: dict[str, Any] = field(default_factory=machine.describe)
    measures: list[Measure] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    scenario_seconds: dict[str, float] = field(default_factory=dict)
    # per scenario: cores kept busy by our processes and by everything else on the machine
    busy_cores: dict[str, dict[str, float]] = field(default_factory=dict)

    def add(self, *measures: Measure) -> None:
        self.measures.extend(measures)

    def write(self, latest: str | None) -> Path:
        """bench/results/<date>.json; also bench/results/<latest> (the files README.md
        quotes, kept in git) for full-size runs."""
        RESULTS_DIR.mkdir(exist_ok=True)
        data = asdict(self)
        stamp = self.started.replace(":", "").replace("-", "")[:15]
        path = RESULTS_DIR / f"{stamp}{'-quick' if self.quick else ''}.json"
        text = json.dumps(data, indent=1, default=str)
        path.write_text(text)
        if latest:
            (RESULTS_DIR / latest).write_text(text)
        return path

    def table(self) -> str:
        head = ["scenario", "measure", "median", "min-max", "runs", "goal", "verdict", "note"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(m.row()) + " |" for m in self.measures]
        text = (
            f"Date: {self.started} · machine: {machine.one_line(self.machine)}\n"
            f"Command: `{self.command}`{' (quick sizes)' if self.quick else ''}\n\n"
            + "\n".join(lines)
            + "\n"
        )
        if self.busy_cores:
            text += "\nCores busy during each scenario (ours / other processes on the machine): "
            text += (
                "; ".join(
                    f"{name} {c['ours']:.2f} / {c['others']:.2f}"
                    for name, c in self.busy_cores.items()
                )
                + "\n"
            )
        for name, error in self.errors.items():
            text += f"\n{name}: FAILED: {error}\n"
        return text


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def from_json(path: Path) -> Results:
    """A results file read back (for `python -m bench.report FILE`: its table again)."""
    data = load(path)
    measures = [Measure(**m) for m in data.pop("measures")]
    return Results(**{**data, "measures": measures})


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:]:
        print(from_json(Path(name)).table())
