"""The container's HEALTHCHECK: GET /healthz on the address gunicorn binds, no curl needed.

Exits 0 when the site answers 200, 1 otherwise (urllib raises on anything else).
"""

import os
import urllib.request

bind = os.environ.get("BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
host, _, port = bind.rpartition(":")
host = host.strip("[]")
if host in ("", "0.0.0.0", "::"):
    host = "127.0.0.1"
elif ":" in host:
    host = f"[{host}]"
with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=4) as response:
    raise SystemExit(0 if response.status == 200 else 1)
