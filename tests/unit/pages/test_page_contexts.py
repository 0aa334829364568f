"""Every template reads only what its typed page context declares (datasette-style).

For each ``Page`` class and each template it renders (its ``template`` and its
htmx ``partials``), the variables the template needs — its own, those of the
templates it extends and includes, and the macros' — must be fields of the
class, names ``page()`` adds to every page (``CHROME``), or Jinja globals.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from jinja2 import meta, nodes

from coldcheck.entrypoints import pages
from coldcheck.entrypoints.pages.common import CHROME, TEMPLATES, Page

assert pages.routes  # importing the package imports every page module and its classes

ENV = TEMPLATES.env
FOLDER = Path(TEMPLATES.env.loader.searchpath[0])  # type: ignore[union-attr]


def _all_pages() -> list[type[Page]]:
    found, todo = [], [Page]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if "template" in cls.__dict__ or cls.__dict__.get("partials"):
            found.append(cls)
    return sorted(set(found), key=lambda c: c.__qualname__)


def needs(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
    """What ``name`` reads from its context, through extends, includes and imported macros."""
    ast = ENV.parse(ENV.loader.get_source(ENV, name)[0])  # type: ignore[union-attr]
    imported = {
        alias if isinstance(alias, str) else alias[1] or alias[0]
        for node in ast.find_all(nodes.FromImport)
        for alias in node.names
    } | {node.target for node in ast.find_all(nodes.Import)}
    wanted = meta.find_undeclared_variables(ast) - imported - set(ENV.globals)
    for child in meta.find_referenced_templates(ast):
        if child is not None and child not in seen:
            wanted |= needs(child, seen | {name})
    return wanted


PAGES = _all_pages()


@pytest.mark.parametrize(
    "cls, template",
    [(cls, t) for cls in PAGES for t in (cls.template, *cls.partials)],
    ids=lambda v: v if isinstance(v, str) else v.__qualname__,
)
def test_a_template_reads_only_what_its_page_context_declares(cls: type[Page], template: str):
    declared = {f.name for f in dataclasses.fields(cls)} | CHROME
    missing = needs(template) - declared
    assert not missing, f"{template} reads {sorted(missing)}, which {cls.__qualname__} never sets"


def test_every_page_template_has_a_context_that_renders_it():
    rendered = {t for cls in PAGES for t in (cls.template, *cls.partials)}
    included = {
        child
        for path in FOLDER.glob("*.html")
        for child in meta.find_referenced_templates(ENV.parse(path.read_text()))
        if child
    }
    for path in FOLDER.glob("*.html"):
        assert path.name in rendered | included, f"no page context renders {path.name}"


def test_the_check_catches_a_key_no_route_sets():
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Broken(Page):
        template = "signin.html"

    assert "login" in needs("signin.html") - {f.name for f in dataclasses.fields(Broken)}
