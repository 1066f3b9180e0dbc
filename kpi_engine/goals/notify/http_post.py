"""POST a JSON body (Slack incoming webhooks, any webhook), bounded in time and size.

Error messages name the route and the HTTP status or network problem, never the URL
(it often is the secret)."""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import urllib.error
import urllib.request

SIGNATURE_HEADER = "X-KPI-Signature"
MAX_RESPONSE = 64 * 1024


class DeliveryError(Exception):
    """An alert could not be delivered (the check goes on; the state is not saved)."""


def post_json(url: str, body: dict, *, timeout: float, ca_file: str | None = None,
              secret: str | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8",
               "User-Agent": "kpi-engine-alerts"}
    if secret:
        digest = hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()
        headers[SIGNATURE_HEADER] = f"sha256={digest}"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    context = ssl.create_default_context(cafile=ca_file) if url.startswith("https:") \
        else None
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            response.read(MAX_RESPONSE)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DeliveryError(f"{type(reason).__name__}: {_no_url(str(reason), url)}") from None


def _no_url(text: str, url: str) -> str:
    return text.replace(url, "<url>")[:200]
