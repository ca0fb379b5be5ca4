"""`compagnon serve` with prototype patches: python -m bench.whatif.serve keycache,writer"""

from __future__ import annotations

import sys

from bench.whatif.patches import PATCHES


def main() -> None:
    names = [n for n in sys.argv[1].split(",") if n]
    for name in names:
        PATCHES[name]()
    from compagnon.cli import main as compagnon

    compagnon(["serve", *sys.argv[2:]])


if __name__ == "__main__":
    main()
