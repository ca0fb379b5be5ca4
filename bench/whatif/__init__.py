"""Prototypes of the changes bench/README.md proposes, applied to an unmodified node by
monkeypatching at start-up (`python -m bench.whatif.serve PATCHES`), so each proposal comes
with a measured gain. They are measuring devices, not fixes: the node's owners write the real
change (the proposals section of README.md says where and how)."""
