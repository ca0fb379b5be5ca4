"""Rebuild compagnon/domain/vocab/*.json from the published sources they were taken from.

Not part of the package and not run by the tests: the JSON files are committed, and each one
names its source (repository, path, commit, version, licence) in its `_meta`. This script is
how they were made, so the next update is a re-run rather than hand work.

    python tools/build_vocabularies.py SOURCES_DIR

SOURCES_DIR holds the files named in SOURCES below, extracted from the repositories at the
commits given there (ESCO's CSVs from the zip archives in tabiya-tech's mirror of the ESCO
downloads). EQF, DigComp, DigCompEdu and the licences have no machine-readable multilingual
source here: their entries are rebuilt from the tables in vocabulary_sources/frameworks.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vocabulary_sources.esco import esco, isced
from vocabulary_sources.frameworks import digcomp, digcompedu, eqf, licences
from vocabulary_sources.skos import hcrt, lrmi


def main(src: Path) -> None:
    eqf()
    isced(src)
    digcomp(src)
    digcompedu()
    hcrt(src)
    lrmi(src)
    licences()
    esco(src)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
