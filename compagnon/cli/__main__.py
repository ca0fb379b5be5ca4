"""`python -m compagnon.cli ...`, as the `compagnon` command."""

from compagnon.cli import main

main()
