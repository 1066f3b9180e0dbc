"""Alerts by e-mail with smtplib: STARTTLS (default) or TLS from the start, verified
against the system's CAs or the route's ``ca_file``; login only over TLS."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from .http_post import DeliveryError


def send_email(route, subject: str, text: str) -> None:
    message = EmailMessage()
    message["Subject"] = subject.replace("\n", " ")[:200]
    message["From"] = route.sender
    message["To"] = ", ".join(route.to)
    message.set_content(text)
    context = ssl.create_default_context(cafile=route.ca_file)
    try:
        if route.tls == "ssl":
            server = smtplib.SMTP_SSL(route.host, route.port, timeout=route.timeout,
                                      context=context)
        else:
            server = smtplib.SMTP(route.host, route.port, timeout=route.timeout)
        with server:
            if route.tls == "starttls":
                server.starttls(context=context)
            if route.username:
                password = route.password.get_secret_value() if route.password else ""
                server.login(route.username, password)
            server.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP login refused ({exc.smtp_code})") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {route.host}:{route.port}: {type(exc).__name__}: "
                            f"{str(exc)[:200]}") from None
