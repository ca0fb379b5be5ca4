"""The garbage collector of a long-running node process (`serve`, each web process,
`compagnon worker`), set once its start-up is done.

CPython's cycle collector runs its youngest generation every 700 net allocations of tracked
objects and, every so often, a full collection that walks every tracked object of the
process. A node allocates in bursts (a catalogue page parsed is ~50,000 objects; a worker
pass builds rows and ORM state) on top of a large, settled heap (modules, the ORM's mappers,
compiled statements): py-spy with native frames found 12-14 % of an aggregator's CPU during
a catalogue sync in `gc_collect_main` (bench/README.md, "The garbage collector").

So, once started: what start-up made is moved out of the collector's sight (`gc.freeze`, it
is never garbage), and the youngest generation waits for YOUNG net allocations. Cycles are
still collected; reference counting frees everything else at once, as before.
"""

from __future__ import annotations

import gc

YOUNG = 50_000  # net allocations of tracked objects before a young collection (default 700)


def settle() -> None:
    """Call once, when the process has finished starting and is about to serve or work."""
    gc.collect()  # start-up's own garbage first: what is frozen stays
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, old)
