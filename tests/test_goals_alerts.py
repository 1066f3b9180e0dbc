"""Alerts delivered to real servers on 127.0.0.1 started here: an SMTP server (aiosmtpd)
that requires STARTTLS and a login, with a certificate made for this test, and an HTTP
receiver standing in for Slack and a webhook. Each state change is sent once."""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import subprocess
import threading
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from kpi_engine.cli import build_cli
from kpi_engine.warehouses.connect import connect

from . import goals_store

SECRET_URL_PATH = "/services/T000/B000/s3cr3t-slack-path"
HOOK_SECRET = "hook-secret-42"
SMTP_PASSWORD = "smtp-pass-99"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (it is its own CA file)."""
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    return folder / "cert.pem", folder / "key.pem"


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, self.headers, body))  # any case
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def http_receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _free_port() -> int:
    """A port free now (aiosmtpd's controller cannot take port 0: it connects to itself
    to know the server is up)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(certificate):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    class Handler:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  envelope.content, session.ssl is not None))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and data.login == b"alerts" and \
            data.password == SMTP_PASSWORD.encode()
        return AuthResult(success=ok)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(),
                            server_hostname="127.0.0.1", tls_context=context,
                            require_starttls=True, authenticator=authenticator,
                            auth_require_tls=True)
    controller.start()
    yield controller, handler
    controller.stop()


def _project(root, url, http, smtp, cert, targets):
    port = http.server_address[1]
    goals_store.write_project(root, url, targets=targets, language="en", notify=[
        {"slack": f"http://127.0.0.1:{port}${{SLACK_PATH}}"},
        {"webhook": f"http://127.0.0.1:{port}/hook", "secret": "${HOOK_SECRET}",
         "name": "ops-hook"},
        {"email": {"host": "127.0.0.1", "port": smtp.port, "username": "alerts",
                   "password": "${SMTP_PASSWORD}", "from": "kpi@shop.example",
                   "to": ["lan@shop.example"], "ca_file": str(cert)}},
    ])


def _run(root, *args):
    return CliRunner().invoke(build_cli(), ["--project", str(root / "kpi.yaml"), "check",
                                            "--as-of", "2025-02-15", *args],
                              catch_exceptions=False)


@pytest.mark.slow  # openssl makes the certificate: a process
def test_alerts_are_delivered_once_per_state_change(tmp_path, http_receiver, smtp_server,
                                                    certificate, monkeypatch):
    monkeypatch.setenv("SLACK_PATH", SECRET_URL_PATH)
    monkeypatch.setenv("HOOK_SECRET", HOOK_SECRET)
    monkeypatch.setenv("SMTP_PASSWORD", SMTP_PASSWORD)
    controller, mailbox = smtp_server
    url = f"duckdb:///{tmp_path / 'store.duckdb'}"
    wh = connect(url)
    goals_store.load(wh)
    wh.close()
    revenue = {"metric": "revenue", "period": "2025-Q1", "value": 15000, "owner": "Sales"}
    web = {"metric": "revenue", "period": "2025-Q1", "value": 9000,
           "slice": "channel = 'web'"}
    _project(tmp_path, url, http_receiver, controller, certificate[0], [revenue, web])

    first = _run(tmp_path)
    assert first.exit_code == 1, first.output
    # revenue is at risk (13,500 projected against 15,000); the web slice is on track
    # from the start, which is no news.
    slack = [json.loads(b) for p, _, b in http_receiver.received if p == SECRET_URL_PATH]
    hooks = [(h, b) for p, h, b in http_receiver.received if p == "/hook"]
    assert len(slack) == 1 and len(hooks) == 1 and len(mailbox.messages) == 1
    text = slack[0]["text"]
    assert text.splitlines() == [
        "KPI alert: Revenue is at risk (2025-Q1)",
        "value: 6,750.00 · target: 15,000.00 · change vs last year: -25.0% — owner: Sales",
        "projected 13,500.00 by the end of 2025-Q1, against a target of 15,000.00"]
    headers, body = hooks[0]
    expected = hmac.new(HOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-KPI-Signature"] == f"sha256={expected}"
    alert = json.loads(body)["alert"]
    assert (alert["metric"], alert["status"], alert["value"], alert["target"]) == (
        "revenue", "at_risk", 6750, 15000)
    assert alert["change"] == pytest.approx(-0.25) and alert["text"] == text
    sender, recipients, content, over_tls = mailbox.messages[0]
    mail = message_from_bytes(content, policy=default_policy)
    assert (sender, recipients, over_tls) == ("kpi@shop.example", ["lan@shop.example"], True)
    assert mail["Subject"] == "KPI alert: Revenue is at risk"
    assert "projected 13,500.00 by the end of 2025-Q1" in mail.get_content()
    for secret in (SECRET_URL_PATH, HOOK_SECRET, SMTP_PASSWORD):
        assert secret not in first.output

    # The same state again: nothing is sent.
    again = _run(tmp_path)
    assert again.exit_code == 1
    assert len(http_receiver.received) == 2 and len(mailbox.messages) == 1

    # The web slice's target rises: it goes off track, and only that is sent.
    web["value"] = 12000
    _project(tmp_path, url, http_receiver, controller, certificate[0], [revenue, web])
    changed = _run(tmp_path)
    assert changed.exit_code == 1
    assert len(http_receiver.received) == 4 and len(mailbox.messages) == 2
    latest = json.loads(http_receiver.received[-1][2])["alert"]
    assert (latest["slice"], latest["status"]) == ("channel = 'web'", "off_track")


def test_alerts_in_the_projects_language_and_failures_reported(tmp_path, http_receiver,
                                                               monkeypatch):
    url = f"duckdb:///{tmp_path / 'store.duckdb'}"
    wh = connect(url)
    goals_store.load(wh)
    wh.close()
    port = http_receiver.server_address[1]
    goals_store.write_project(tmp_path, url, language="vi", targets=[
        {"metric": "revenue", "period": "2025-Q1", "value": 15000}], notify=[
        {"slack": f"http://127.0.0.1:{port}/vi"},
        {"webhook": "http://127.0.0.1:9/${MISSING_NOTHING}"}])
    monkeypatch.setenv("MISSING_NOTHING", "closed-port")
    result = _run(tmp_path)
    (sent,) = [json.loads(b)["text"] for p, _, b in http_receiver.received]
    assert sent.splitlines()[0] == "Cảnh báo KPI: Doanh thu có rủi ro (2025-Q1)"
    assert "giá trị: 6.750,00" in sent and "mục tiêu: 15.000,00" in sent
    # port 9 refuses: reported by route name, the URL not shown, retried next time
    assert "alert not delivered via webhook-2" in result.output
    assert "closed-port" not in result.output and result.exit_code == 1
    _run(tmp_path)
    assert len(http_receiver.received) == 1  # slack already has it; the hook retried


def test_a_bad_route_is_a_located_error(tmp_path):
    goals_store.write_project(tmp_path, "duckdb:///:memory:", notify=[
        {"email": {"host": "smtp.example", "from": "a@b", "to": ["c@d"],
                   "password": "${SMTP_PASSWORD_UNSET_X}"}}])
    result = _run(tmp_path)
    assert result.exit_code == 2
    assert "kpi.yaml:" in result.output and "SMTP_PASSWORD_UNSET_X" in result.output
    goals_store.write_project(tmp_path, "duckdb:///:memory:", notify=[
        {"email": {"host": "smtp.example", "from": "a@b", "to": ["c@d"], "tls": "none",
                   "username": "u", "password": "plain"}}])
    result = _run(tmp_path)
    assert result.exit_code == 2 and "unencrypted" in result.output
    assert "plain" not in result.output
