"""Command line: placeholder until the commands land."""


def main() -> None:
    raise SystemExit("not yet")
