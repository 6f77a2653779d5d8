"""The site with the pixel's counting made a no-op, for ``bench.counting``'s side by side:
the same request, headers and bytes, nothing counted."""

from __future__ import annotations

from site_app import create_app

app = create_app()
app.extensions["visits"].view = lambda *args: None
