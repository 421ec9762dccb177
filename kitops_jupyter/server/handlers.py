"""Thin REST handlers under ``/kitops/``: parse the request, call ``api``, answer JSON.

Every verb is ``@tornado.web.authenticated``. :class:`KitopsHandler` is the one place errors are
translated: a ``KitError`` raised by a handler becomes its status from :mod:`.errormap` with the
body ``{"message", "error", "hint", "status"}``, and so does any ``tornado.web.HTTPError``.
Quick calls run in the default executor so the server's event loop never blocks; long ones
(pack, push, pull, unpack) are jobs (:mod:`.jobs`) answered ``202`` with the job's snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import tornado.web
from jupyter_server.base.handlers import APIHandler
from tornado.ioloop import IOLoop

from .. import api
from .._version import __version__
from ..api import ProgressCallback
from ..errors import InvalidArgument, KitError
from . import views
from .context import ServerContext
from .errormap import error_body, http_error_body, status_for
from .jobs import Work

T = TypeVar("T")


class KitopsHandler(APIHandler):
    """Base of every handler: shared context, JSON in and out, one error mapping."""

    @property
    def ctx(self) -> ServerContext:
        context: ServerContext = self.settings["kitops"]
        return context

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, KitError):
            status_code = status_for(exc)
        super().send_error(status_code, **kwargs)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, KitError):  # expected failures: one line, no traceback
            self.log.warning("kitops %s %s: %s", self.request.method, self.request.uri, value)
        else:
            super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, KitError):
            body = error_body(exc, status=status_code)
        elif isinstance(exc, tornado.web.HTTPError):
            body = http_error_body(status_code, exc.log_message or exc.reason or self._reason)
        else:
            body = error_body(exc or RuntimeError(self._reason), status=status_code)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def send(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(payload))

    def body(self) -> dict[str, Any]:
        """The JSON object in the request body (400 if it is not one)."""
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError as exc:
            raise tornado.web.HTTPError(400, f"request body is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise tornado.web.HTTPError(400, "request body must be a JSON object")
        return data

    def text(self, data: dict[str, Any], name: str, default: str | None = None) -> str:
        """A string field of the body or query; a missing required one is ``InvalidArgument``, and so
        is any with a NUL byte (no path or reference holds one)."""
        value = data.get(name, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise InvalidArgument(f"missing or invalid {name!r}: give it as a non-empty string")
        if "\0" in value:
            raise InvalidArgument(f"{name!r} contains a NUL byte; give a plain path or reference")
        return value.strip()

    def reference(self, data: dict[str, Any], name: str, *, optional: bool = False) -> str:
        """A reference field, checked before any job starts (``InvalidReference`` -> 400 at once)."""
        value = self.text(data, name, "" if optional else None)
        if value:
            api.parse_reference(value)
        return value

    def flag_field(self, data: dict[str, Any], name: str) -> bool:
        """A boolean field of the body (absent = false); anything but true/false is ``InvalidArgument``."""
        value = data.get(name, False)
        if not isinstance(value, bool):
            raise InvalidArgument(f"{name!r} must be true or false")
        return value

    def query(self, name: str) -> str:
        """A required query argument (``InvalidArgument`` when missing or empty)."""
        return self.text({name: self.get_query_argument(name, "")}, name)

    def folder(self, data: dict[str, Any], name: str = "path") -> Any:
        """A folder field, resolved inside the server's root (``OutsideRoot`` -> 403)."""
        return self.ctx.folder(self.text(data, name, ""))

    def flag(self, name: str) -> bool:
        return self.get_query_argument(name, "false").lower() in ("1", "true", "yes")

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a quick blocking ``api`` call off the event loop."""
        return await IOLoop.current().run_in_executor(None, partial(fn, *args, **kwargs))

    def signature_policy(self) -> dict[str, Any]:
        """The saved "Require signatures" setting as pull/unpack arguments (key under the root)."""
        saved = self.ctx.kit.signature_settings()
        if not saved.require_signature:
            return {}
        return {"require_signature": True, "key": self.ctx.folder(saved.verify_key)}

    def start_job(self, kind: str, target: str, work: Work) -> None:
        self.send(self.ctx.jobs.submit(kind, target, work), status=202)


class VersionHandler(KitopsHandler):
    @tornado.web.authenticated
    def get(self) -> None:
        """Version handshake: the frontend sends its version, the server says whether they match."""
        frontend = self.get_query_argument("frontend", "")
        self.send({"server": __version__, "frontend": frontend, "compatible": frontend in ("", __version__)})


class ModelKitsHandler(KitopsHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.send({"modelkits": await self.call(views.modelkit_rows, self.ctx.kit)})


class ModelKitHandler(KitopsHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        remote = self.flag("remote")
        found = await self.call(self.ctx.kit.inspect, self.query("reference"), remote=remote)
        readme = "" if remote else await self.call(self.ctx.kit.readme, found.reference)
        self.send(views.detail(found, readme))

    @tornado.web.authenticated
    async def delete(self) -> None:
        results = await self.call(self.ctx.kit.remove, self.query("reference"), force=self.flag("force"))
        self.send(views.removed(results))


class PreviewHandler(KitopsHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        """First rows of a dataset (or image thumbnails) through kit://, without pulling the ModelKit."""
        dataset = self.get_query_argument("dataset", "") or None
        try:
            rows = int(self.get_query_argument("rows", "10"))
        except ValueError:
            raise InvalidArgument("rows must be a whole number") from None
        remote = True if self.flag("remote") else None
        preview = await self.call(
            self.ctx.kit.preview, self.query("reference"), dataset, rows=rows, remote=remote
        )
        self.send(preview)


class TagsHandler(KitopsHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        repository = self.query("repository")
        infos = await self.call(self.ctx.kit.list, repository)
        self.send({"repository": repository, "tags": views.remote_rows(infos)})


class PackHandler(KitopsHandler):
    @tornado.web.authenticated
    def post(self) -> None:
        """Pack a folder; a secret-scan finding fails the job with 409 ``SecretsFound`` and its
        ``details.findings``, unless ``allowSecrets`` is true (the sidebar's "Pack anyway")."""
        data = self.body()
        folder = self.folder(data)
        tag = self.reference(data, "tag", optional=True) or None
        allow = self.flag_field(data, "allowSecrets")
        if not folder.is_dir():
            raise api.NotFound(f"folder {self.ctx.display(folder)!r} does not exist in the server's root")
        shown, kit = self.ctx.display(folder), self.ctx.kit

        def work(progress: ProgressCallback) -> dict[str, Any]:
            return views.pack_result(kit.pack(folder, tag=tag, progress=progress, allow_secrets=allow), shown)

        self.start_job("pack", tag or shown or "/", work)


class PushHandler(KitopsHandler):
    @tornado.web.authenticated
    def post(self) -> None:
        data = self.body()
        source = self.reference(data, "source")
        destination = self.reference(data, "destination", optional=True) or None
        kit = self.ctx.kit
        self.start_job(
            "push",
            destination or source,
            lambda p: views.push_result(kit.push(source, destination, progress=p)),
        )


class PullHandler(KitopsHandler):
    @tornado.web.authenticated
    def post(self) -> None:
        reference = self.reference(self.body(), "reference")
        kit, policy = self.ctx.kit, self.signature_policy()
        self.start_job("pull", reference, lambda p: views.located(kit.pull(reference, progress=p, **policy)))


class UnpackHandler(KitopsHandler):
    @tornado.web.authenticated
    def post(self) -> None:
        data = self.body()
        reference = self.reference(data, "reference")
        folder = self.folder(data)
        filters = _filters(data.get("filters", []))
        overwrite = self.flag_field(data, "overwrite")
        if folder.exists() and not folder.is_dir():
            raise InvalidArgument(
                f"cannot unpack into {self.ctx.display(folder)!r}: it is a file, not a folder"
            )
        shown, kit, policy = self.ctx.display(folder), self.ctx.kit, self.signature_policy()

        def work(progress: ProgressCallback) -> dict[str, Any]:
            found = kit.unpack(
                reference, folder, filters=filters, overwrite=overwrite, progress=progress, **policy
            )
            return views.located(found, folder=shown, filters=filters)

        self.start_job("unpack", reference, work)


class JobsHandler(KitopsHandler):
    @tornado.web.authenticated
    def get(self) -> None:
        self.send({"jobs": self.ctx.jobs.list()})


class JobHandler(KitopsHandler):
    @tornado.web.authenticated
    def get(self, job_id: str) -> None:
        self.send(self.ctx.jobs.get(job_id))

    @tornado.web.authenticated
    def delete(self, job_id: str) -> None:
        """Cancel a running job (answered with its snapshot, now ``cancelled``)."""
        self.send(self.ctx.jobs.cancel(job_id))


class SignatureHandler(KitopsHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        """Whether a ModelKit carries a cosign signature by the given public key, and its provenance."""
        reference = self.query("reference")
        key = self.ctx.folder(self.query("key"))
        stored = not self.flag("remote")
        self.send(await self.call(views.signature, self.ctx.kit, reference, key, stored))


class SignatureSettingsHandler(KitopsHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        """Whether pulls and unpacks from the sidebar require a signature, and by which public key."""
        self.send(views.signature_settings(await self.call(self.ctx.kit.signature_settings)))

    @tornado.web.authenticated
    async def put(self) -> None:
        data = self.body()
        key = self.text(data, "verifyKey", "")
        if key:
            self.ctx.folder(key)  # refused (403) when it points outside the root
        saved = await self.call(
            self.ctx.kit.save_signature_settings,
            require_signature=self.flag_field(data, "requireSignature"),
            verify_key=key,
        )
        self.send(views.signature_settings(saved))


class DiffHandler(KitopsHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        """Compare two local ModelKits layer by layer."""
        first, second = self.query("first"), self.query("second")
        a = await self.call(self.ctx.kit.get, first)
        b = await self.call(self.ctx.kit.get, second)
        self.send(views.diff(first, second, a, b))


class RegistriesHandler(KitopsHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        """Every registry with saved settings or a login (the magics and the panel use the same)."""
        found = await self.call(self.ctx.kit.registry_settings)
        self.send({"registries": [views.registry(each) for each in found]})

    @tornado.web.authenticated
    async def put(self) -> None:
        data = self.body()
        plain = data.get("plainHttp")
        verify = data.get("tlsVerify", True)
        if plain not in (True, False, None) or verify not in (True, False):
            raise InvalidArgument("'plainHttp' must be true, false or null and 'tlsVerify' true or false")
        saved = await self.call(
            self.ctx.kit.save_registry_settings,
            self.text(data, "registry"),
            plain_http=plain,
            tls_verify=verify,
            ca_bundle=self.text(data, "caBundle", "") or None,
        )
        self.send(views.registry(saved))

    @tornado.web.authenticated
    async def delete(self) -> None:
        registry = self.query("registry")
        self.send(
            {
                "registry": registry,
                "forgotten": await self.call(self.ctx.kit.forget_registry_settings, registry),
            }
        )


class LoginHandler(KitopsHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        """Check the credentials against the registry and store them as ``kit login`` does."""
        data = self.body()
        registry, username = self.text(data, "registry"), self.text(data, "username")
        password = data.get("password")
        if not isinstance(password, str) or not password:
            raise InvalidArgument("enter the password or token for the login")
        self.send({"message": await self.call(self.ctx.kit.login, registry, username, password)})

    @tornado.web.authenticated
    async def delete(self) -> None:
        self.send({"message": await self.call(self.ctx.kit.logout, self.query("registry"))})


class FingerprintHandler(KitopsHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        """A short string that changes whenever the local listing does (the sidebar polls it)."""
        self.send({"fingerprint": await self.call(self.ctx.kit.fingerprint)})


def _filters(value: Any) -> list[str]:
    """``filters`` as a list of strings (``kit unpack --filter`` syntax), or ``InvalidArgument``."""
    if isinstance(value, str):
        value = [value] if value.strip() else []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidArgument("'filters' must be a list of strings such as ['model', 'datasets:train']")
    return [item.strip() for item in value if item.strip()]
