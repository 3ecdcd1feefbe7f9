"""The two faces, served from their built bundles: the staff console at ``/console/`` and the
member phone app at ``/m/``, on the same origin as ``/api/…``.

Any path under a face that is not a file gets its ``index.html`` (the apps route in the browser).
Hashed assets are cached for a year; the index pages never, so a new build is picked up at once.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

FACES = {"console": "暖流工作台", "m": "暖流·党员"}
NOT_BUILT = (
    "<!doctype html><meta charset=utf-8><title>暖流</title>"
    "<p>界面尚未构建：请在项目目录运行 <code>make install</code>（需要 Node.js 20 与 npm）。</p>"
)
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
NO_CACHE = {"Cache-Control": "no-cache"}


class FaceApp:
    """Files of one face, else its index page (history-mode routing in the browser)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, mounted_at = scope.get("path", "/"), scope.get("root_path", "")
        response = self._response(path.removeprefix(mounted_at) if mounted_at else path)
        await response(scope, receive, send)

    def _response(self, path: str) -> Response:
        index = self.root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers=NO_CACHE)
        wanted = (self.root / path.lstrip("/")).resolve()
        if wanted.is_file() and wanted.is_relative_to(self.root) and wanted != index:
            return FileResponse(wanted, headers=NO_CACHE)
        return FileResponse(index, headers=NO_CACHE)


class ImmutableAssets(StaticFiles):
    def file_response(self, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers.update(IMMUTABLE)
        return response


def _gzip(app: ASGIApp) -> ASGIApp:
    return GZipMiddleware(app, minimum_size=1024)


def mount_faces(app: FastAPI, dist: Path) -> None:
    if (dist / "assets").is_dir():
        app.mount("/assets", _gzip(ImmutableAssets(directory=dist / "assets")))
    for face in FACES:
        app.mount(f"/{face}", _gzip(FaceApp(dist / face)), name=f"face-{face}")
        app.add_api_route(
            f"/{face}", _redirect(f"/{face}/"), methods=["GET"], include_in_schema=False
        )


def _redirect(to: str):  # type: ignore[no-untyped-def]
    async def redirect() -> RedirectResponse:
        return RedirectResponse(to, status_code=308)

    return redirect
