"""Where Label Studio is and how to authenticate: flags first, then the environment.

The token is a secret: it lives only in :class:`StudioSettings` (hidden from ``repr``) and in the
SDK client's request header. Every message this package prints goes through :func:`redact`.

>>> s = resolve_settings(None, None, {"LABEL_STUDIO_URL": "http://127.0.0.1:8080/",
...                                    "LABEL_STUDIO_API_KEY": "0123456789abcdef"})
>>> s
StudioSettings(url='http://127.0.0.1:8080')
>>> redact("header Token 0123456789abcdef", s)
'header Token ***'
>>> resolve_settings("localhost:8080", "x", {})
Traceback (most recent call last):
...
toll.training.corpus.studio.connection.StudioError: Label Studio URL 'localhost:8080' must start with http:// or https://
>>> resolve_settings("http://localhost:8080", "pasted with a\\nline break", {})
Traceback (most recent call last):
...
toll.training.corpus.studio.connection.StudioError: the Label Studio API token has characters no token has (a space, a line break or a non-ASCII character); copy it again from Account & Settings
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from typing import Iterator, Mapping
from urllib.parse import urlsplit

from toll.models.common.errors import TollError

ENV_URL = "LABEL_STUDIO_URL"
ENV_TOKEN = "LABEL_STUDIO_API_KEY"
TIMEOUT_S = 120.0
# Legacy tokens are 40 hex digits, Personal Access Tokens are JWTs (base64url and dots): printable
# ASCII without spaces. Anything else would reach the HTTP header code, whose errors quote the header.
_TOKEN_CHARACTERS = re.compile(r"[!-~]+")


class StudioError(TollError):
    """Label Studio could not be reached, refused the token, or lacks what was asked for."""


@dataclass(frozen=True)
class StudioSettings:
    url: str
    token: str = field(repr=False)

    @property
    def display_url(self) -> str:
        """The URL without any user:password part, safe to print."""
        parts = urlsplit(self.url)
        host = parts.netloc.rsplit("@", 1)[-1]
        return f"{parts.scheme}://{host}{parts.path}"


def resolve_settings(url: str | None, token: str | None,
                     environ: Mapping[str, str] = os.environ) -> StudioSettings:
    """``--url``/``--token`` if given, else ``LABEL_STUDIO_URL``/``LABEL_STUDIO_API_KEY``."""
    url = (url or environ.get(ENV_URL) or "").strip().rstrip("/")
    token = (token or environ.get(ENV_TOKEN) or "").strip()
    if not url:
        raise StudioError(f"no Label Studio URL: pass --url or set {ENV_URL} (e.g. http://localhost:8080)")
    if urlsplit(url).scheme not in ("http", "https"):
        raise StudioError(f"Label Studio URL {url!r} must start with http:// or https://")
    if not token:
        raise StudioError(f"no Label Studio API token: set {ENV_TOKEN} (or pass --token); find it in "
                          "Label Studio under Account & Settings (a personal access token or the legacy token)")
    if not _TOKEN_CHARACTERS.fullmatch(token):
        raise StudioError("the Label Studio API token has characters no token has (a space, a line break or "
                          "a non-ASCII character); copy it again from Account & Settings")
    return StudioSettings(url, token)


def redact(text: str, settings: StudioSettings | None) -> str:
    """``text`` with the token (and any password in the URL) replaced by ``***``."""
    if settings is None:
        return text
    secrets = [settings.token]
    password = urlsplit(settings.url).password
    if password:
        secrets.append(password)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _api_detail(body: object) -> str:
    """The server's own explanation from an error body, in one line."""
    if isinstance(body, dict):
        errors = body.get("validation_errors")
        if isinstance(errors, dict) and errors:
            return "; ".join(f"{field}: {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                             for field, msgs in errors.items())
        for key in ("detail", "error", "message"):
            if body.get(key):
                return str(body[key])
        return str(body)[:300]
    return str(body or "")[:300]


@contextlib.contextmanager
def studio_errors(settings: StudioSettings, doing: str) -> Iterator[None]:
    """Turn network and API failures into one-line :class:`StudioError` messages (token redacted).

    ``doing`` says what was attempted ("finding project 'toll'"), for the message.
    """
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    where = settings.display_url
    try:
        yield
    except StudioError:
        raise
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise StudioError(redact(f"cannot reach Label Studio at {where} ({exc}); is it running? "
                                 f"check --url or {ENV_URL}", settings)) from None
    except httpx.TimeoutException:
        raise StudioError(f"Label Studio at {where} did not answer within {TIMEOUT_S:.0f} s "
                          f"while {doing}") from None
    except httpx.HTTPError as exc:
        raise StudioError(redact(f"talking to Label Studio at {where} failed while {doing}: {exc}",
                                 settings)) from None
    except ApiError as exc:
        code = exc.status_code
        if code in (401, 403):
            raise StudioError(redact(f"Label Studio at {where} rejected the API token (HTTP {code}) while "
                                     f"{doing}: {_api_detail(exc.body)}; check --token or {ENV_TOKEN} (a "
                                     "Personal Access Token that expired or was revoked needs a new one, "
                                     "from Account & Settings in Label Studio)", settings)) from None
        raise StudioError(redact(f"Label Studio at {where} answered HTTP {code} while {doing}: "
                                 f"{_api_detail(exc.body)}", settings)) from None


def connect(settings: StudioSettings):
    """An SDK client, after checking that the server answers and accepts the token.

    The client is made inside the error handling too: for a Personal Access Token (a JWT) the SDK
    reads its expiry on creation and raises at once when it has expired, and on the first request
    trades it for an access token (an answer that is not JSON raises ``ValueError`` there).
    """
    from label_studio_sdk import LabelStudio

    with studio_errors(settings, "checking the API token"):
        try:
            client = LabelStudio(base_url=settings.url, api_key=settings.token, timeout=TIMEOUT_S)
            client.users.whoami(request_options={"max_retries": 0})  # fail at once when nothing listens
        except ValueError as exc:  # JSONDecodeError from the token exchange: not Label Studio's answer
            raise StudioError(f"{settings.display_url} did not answer like Label Studio while checking the "
                              f"API token ({type(exc).__name__}); check --url or {ENV_URL}") from None
    return client
