"""The status strip of every production screen, refreshed on its own (htmx-free fetch)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from coldcheck.entrypoints.deps import AppDep, PageMember
from coldcheck.entrypoints.pages.common import ProductionPage, page, production_page

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, kw_only=True)
class StripPage(ProductionPage):
    """Just the strip: armory, stop-work, counts, and the server's time of the reading."""

    template: ClassVar[str] = "base.html"
    partials: ClassVar[tuple[str, ...]] = ("_strip.html",)


@router.get("/p/{production}/strip", response_class=HTMLResponse)
def strip(request: Request, app: AppDep, member: PageMember) -> Response:
    """The strip's counts now (a page refreshes it every few seconds and after each alert)."""
    response = page(request, StripPage(**production_page(app, member)), partial="_strip.html")
    response.headers["Cache-Control"] = "no-store"
    return response
