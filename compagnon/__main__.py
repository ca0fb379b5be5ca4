"""`python -m compagnon` is the `compagnon` command."""

from compagnon.cli import main

main()
