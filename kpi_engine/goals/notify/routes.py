"""``notify:`` in kpi.yaml: where alerts go. Each entry is one route::

    notify:
      - slack: ${SLACK_WEBHOOK_URL}          # a Slack incoming webhook
      - webhook: ${ALERT_HOOK_URL}           # any URL: a JSON body per alert
        secret: ${ALERT_HOOK_SECRET}         # optional: HMAC-SHA256 signature header
      - email:
          host: smtp.example.com
          port: 587
          username: alerts@example.com
          password: ${SMTP_PASSWORD}
          from: alerts@example.com
          to: [lan@example.com]

URLs, passwords and secrets should come from the environment (``${NAME}``); they are kept
as ``SecretStr`` and never printed. A route is named ``slack-1`` etc. (its position) or by
``name:``; the name keys the alert state, so a renamed route sends its alerts again.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from ...errors import KpiError
from ...project import expand_env

KINDS = ("slack", "webhook", "email")
MAX_ROUTES = 50


class NotifyConfigError(KpiError):
    """A problem in kpi.yaml's notify: routes."""


class _Route(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    ca_file: str | None = None  # CA bundle for HTTPS/STARTTLS (a private CA, tests)
    timeout: float = Field(default=10.0, gt=0, le=120)


class SlackRoute(_Route):
    kind: Literal["slack"] = "slack"
    url: SecretStr


class WebhookRoute(_Route):
    kind: Literal["webhook"] = "webhook"
    url: SecretStr
    secret: SecretStr | None = None  # signs the body: X-KPI-Signature: sha256=<hex>


class EmailRoute(_Route):
    kind: Literal["email"] = "email"
    host: str
    port: int = Field(default=587, gt=0, lt=65536)
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(alias="from")
    to: tuple[str, ...] = Field(min_length=1, max_length=100)
    # starttls (default): upgrade the connection before logging in; ssl: TLS from the
    # start (port 465); none: only for a relay without login (no password sent in clear).
    tls: Literal["starttls", "ssl", "none"] = "starttls"


Route = SlackRoute | WebhookRoute | EmailRoute


def routes(project) -> list[Route]:
    entries = project.notify or ()
    if len(entries) > MAX_ROUTES:
        raise NotifyConfigError(f"notify: more than {MAX_ROUTES} routes",
                                project._where(("notify",)))
    return [_route(project, i, e) for i, e in enumerate(entries)]


def _route(project, i: int, entry: Any) -> Route:
    def fail(msg: str, *path: Any) -> NotifyConfigError:
        return NotifyConfigError(f"notify[{i}]{''.join('.' + str(p) for p in path)}: {msg}",
                                 project._where(("notify", i, *path)))

    if not isinstance(entry, dict):
        raise fail("a route is a mapping with one of " + ", ".join(KINDS))
    kinds = [k for k in KINDS if k in entry]
    if len(kinds) != 1:
        raise fail("give exactly one of " + ", ".join(f"'{k}'" for k in KINDS))
    kind = kinds[0]
    values = {k: _expanded(project, v, ("notify", i, k)) for k, v in entry.items()
              if k != kind}
    main = _expanded(project, entry[kind], ("notify", i, kind))
    if kind == "email":
        if not isinstance(main, dict):
            raise fail("settings of the mail server (host, from, to, ...)", kind)
        values.update(main)
        if isinstance(values.get("to"), str):
            values["to"] = [values["to"]]
    else:
        values["url"] = main
    values.setdefault("name", f"{kind}-{i + 1}")
    model = {"slack": SlackRoute, "webhook": WebhookRoute, "email": EmailRoute}[kind]
    try:
        route = model.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        # pydantic's message never holds the input of a SecretStr; keep it that way
        raise fail(f"{field}: {err['msg']}", *(() if kind != "email" else (kind,))) from None
    if isinstance(route, EmailRoute) and route.tls == "none" and route.password:
        raise fail("tls: none would send the password unencrypted; use starttls or ssl",
                   kind)
    if isinstance(route, (SlackRoute, WebhookRoute)):
        url = route.url.get_secret_value()
        if not url.startswith(("https://", "http://")):
            raise fail("the URL must start with https:// (or http://)", kind)
    return route


def _expanded(project, value: Any, path: tuple) -> Any:
    """``${NAME}`` references expanded (an unset one is a located error)."""
    if isinstance(value, str):
        return expand_env(value, project._where(path), ".".join(map(str, path)))
    if isinstance(value, dict):
        return {k: _expanded(project, v, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expanded(project, v, (*path, n)) for n, v in enumerate(value)]
    return value
