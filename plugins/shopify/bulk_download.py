"""Downloading a bulk operation's JSONL to disk, resumed where it broke off.

A big shop's file is gigabytes; a connection lost at 90% should not send it all again.
The body is written to disk as it arrives (never held in memory). When it breaks off,
or ends short of the size the bulk operation reported (``BulkOperation.fileSize``), the
rest is asked for with ``Range: bytes=N-`` (the signed storage URL serves byte ranges).
A server that ignores Range answers 200 with the whole file: the file is then started
again from zero, so no line is written twice. A part that starts elsewhere than asked is
refused the same way. The finished file must have the reported size exactly (when the
operation reports one). Each resume counts against ``retries_per_request``. The request
asks for ``Accept-Encoding: identity`` so byte offsets are the file's own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

from kpi_engine.errors import SyncError
from kpi_engine.http import HttpClient
from kpi_engine.http.client import Download, HttpError

if TYPE_CHECKING:
    from collections.abc import Callable

    from .connector import ShopifyConnector

STREAM = "orders (bulk download)"
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-\d+/(\d+|\*)$")


def download(connector: ShopifyConnector, url: str, path: Path, *,
             expected_size: int | None = None,
             log: Callable[[str], None] | None = None) -> int:
    """Save the bulk result at ``url`` to ``path`` with a client that carries no access
    token (the URL is a signed storage address on another host); its size in bytes."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise SyncError("shopify: the bulk operation's URL is not an http(s) address")
    origin = f"{parts.scheme}://{parts.netloc}"
    target = url[len(origin):] or "/"
    s = connector.settings
    breaks = 0
    with HttpClient(connector.name, origin, timeout=s.timeout_seconds,
                    policy=s.retry_policy(), redactor=connector.redactor()) as plain, \
            path.open("wb") as out:
        while True:
            have = out.tell()
            headers = {"Accept-Encoding": "identity"}
            if have:
                headers["Range"] = f"bytes={have}-"
            with plain.download(target, stream=STREAM, headers=headers) as answer:
                problem = _write(answer, out, have)
            size = out.tell()
            if expected_size is not None:
                if size > expected_size:
                    raise SyncError(f"shopify: the bulk download has {size:,} bytes, more "
                                    f"than the {expected_size:,} the bulk operation "
                                    "reported")
                if size == expected_size:
                    return size
                problem = problem or f"the body ended at {size:,} of {expected_size:,} bytes"
            elif problem is None:
                return size
            breaks += 1
            if breaks > s.retries_per_request:
                raise SyncError(f"shopify: the bulk download broke off {breaks} times "
                                f"(at {size:,} bytes); last: {problem}")
            if log is not None:
                log(f"shopify: {problem}; resuming the bulk download at byte {size:,}")


def _write(answer: Download, out: IO[bytes], have: int) -> str | None:
    """Write the answer's body after the ``have`` bytes kept (or over them, when the
    server sent the whole file again); what went wrong, or None."""
    if have:
        start = _range_start(answer)
        if answer.status == 206 and start != have:
            out.seek(0)
            out.truncate()
            return f"the server sent bytes from {start} when asked from {have}"
        if answer.status != 206:  # Range ignored: the whole file again, from zero
            out.seek(0)
            out.truncate()
    try:
        for chunk in answer.chunks():
            out.write(chunk)
    except HttpError as exc:
        return str(exc)
    return None


def _range_start(answer: Download) -> int | None:
    match = _CONTENT_RANGE.match(answer.headers.get("content-range", "").strip())
    return int(match.group(1)) if match else None
