"""Run the app with uvicorn after checking the bind (loopback, or a token)."""

from __future__ import annotations

from collections.abc import Callable

from .context import ServeContext
from .security import check_bind, is_loopback


def serve(ctx: ServeContext, host: str, port: int,
          announce: Callable[[str], None] = print) -> None:
    check_bind(host, ctx.token)
    ctx.loopback = is_loopback(host)
    import uvicorn

    from .app import create_app

    app = create_app(ctx)
    shown = f"[{host}]" if ":" in host else host
    announce(f"serving on http://{shown}:{port}/ (API schema: /docs, /openapi.json; "
             "Ctrl+C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
