"""Serve fediverse-pasture's verify_actor on 127.0.0.1:PORT with uvicorn.

Runs with the interpreter of tests/interop/peers/pasture/.venv:

    .venv/bin/python verify_actor_app.py PORT DATA_DIR [TIMEOUT]

DATA_DIR becomes the working directory: the pasture keeps its six test actors' keys in
./data.toml (generated on first start). `get_app()` of fediverse-pasture 0.2.25 is broken
(it calls build_app without its `timeout` argument), so the app is built directly.
POST / with `actor_uri=<actor>` and `Accept: application/json` answers
`{"result": {"alice": {"get_actor": bool, "post_inbox": bool}, ..., "webfinger": bool},
"messages": "<JSON string: the verifier's log>"}`; without that Accept, an HTML page.
"""

from __future__ import annotations

import logging
import os
import sys

PORT = int(sys.argv[1])
os.chdir(sys.argv[2])
TIMEOUT = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0

import uvicorn  # noqa: E402
from fediverse_pasture.verify_actor import build_app  # noqa: E402

logging.getLogger().setLevel(logging.WARNING)  # verify_actor sets DEBUG on import

app = build_app(False, f"127.0.0.1:{PORT}", False, TIMEOUT)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=PORT, log_level="warning", access_log=False)
