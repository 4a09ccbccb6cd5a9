"""The one Jinja environment for templates/: StrictUndefined, so a missing value is an error, never
blank text. Python decides everything; templates only lay text out."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2


@lru_cache(maxsize=1)
def template_env() -> "jinja2.Environment":
    import jinja2

    from .resources import templates_dir

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, trim_blocks=False, lstrip_blocks=False, autoescape=False)
