"""kpi_engine/http/tls.py: one verified TLS context per CA location, shared by the HTTP
clients of every sync in a process."""

from __future__ import annotations

import ssl
from pathlib import Path

import certifi

from kpi_engine.http.tls import verified_context


def test_one_context_per_ca_location(monkeypatch, tmp_path):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    bundle = verified_context()
    assert verified_context() is bundle
    assert bundle.verify_mode == ssl.CERT_REQUIRED and bundle.check_hostname
    assert bundle.cert_store_stats()["x509_ca"] > 50  # certifi's bundle
    # A CA file named by the environment, as httpx reads it: a context of its own.
    text = Path(certifi.where()).read_text(encoding="ascii")
    end = "-----END CERTIFICATE-----"
    (tmp_path / "one.pem").write_text(text[text.index("-----BEGIN"):text.index(end)] + end
                                      + "\n", encoding="ascii")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "one.pem"))
    own = verified_context()
    assert own is not bundle and own.cert_store_stats()["x509_ca"] == 1
    monkeypatch.delenv("SSL_CERT_FILE")
    assert verified_context() is bundle
