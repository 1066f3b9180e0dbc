"""One verified TLS context per process, shared by the HTTP clients of every sync.

httpx builds a context for each client and reads the whole CA bundle into it (about
40 ms of CPU); a sync opens two clients, so a process running many syncs (a scheduler,
the test suite: some 500 clients) paid that each time. The context depends only on where
the CA certificates come from, read from the environment as httpx reads it
(SSL_CERT_FILE, SSL_CERT_DIR, else certifi's bundle), so that is the cache key."""

from __future__ import annotations

import os
import ssl
from functools import lru_cache


def verified_context() -> ssl.SSLContext:
    """The context httpx would make for ``verify=True``, made once per CA location."""
    return _context(os.environ.get("SSL_CERT_FILE") or "", os.environ.get("SSL_CERT_DIR") or "")


@lru_cache(maxsize=4)
def _context(cert_file: str, cert_dir: str) -> ssl.SSLContext:
    import httpx

    return httpx.create_ssl_context()  # reads the same variables as the key
