"""The template environment's speed-ups print exactly what plain autoescaping printed, and the compiled
template cache is found again by the next process."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import jinja2
import markupsafe
import pytest

from xlsgen import layout, tplcache
from xlsgen.model import new_unit

from .conftest import EXAMPLES, example, filled_unit

HOSTILE = "A&B <i>x</i> \"quoted\" 'single' &amp; > < 合计"


@pytest.mark.parametrize(
    "value", [HOSTILE, "纯文本", "", 3, -1, None, Decimal("1.50"), 2.5, markupsafe.Markup("<b>x</b>")]
)
def test_escape_is_markupsafes_escape(value: object) -> None:
    assert layout.escape(value) == str(markupsafe.escape(value))
    assert type(layout.escape(value)) is str


def _autoescaping() -> jinja2.Environment:
    """The environment as it was: autoescape on, no finalize; the same templates and helpers."""
    fast = layout.environment()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(layout.TEMPLATES_DIR), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters.update(fast.filters)
    env.tests.update(fast.tests)
    env.globals.update(fast.globals)
    return env


def _units() -> list:
    hostile = filled_unit()
    hostile.name = HOSTILE
    hostile.functions = [HOSTILE, "二"]
    hostile.projects[0].name = HOSTILE
    hostile.projects[0].indicators[0].level3 = HOSTILE
    return [*(example(p.stem) for p in EXAMPLES), filled_unit(), hostile, new_unit("450001", "测试县测试局", 2025)]


def test_templates_print_the_same_markup_as_with_autoescape() -> None:
    slow = _autoescaping()
    units = _units()
    for unit in units:
        for sections in (None, {"funding": False, "notes": False, "projects": False}):
            shown = unit.sections.model_dump() | (sections or {})
            for name in layout.TEMPLATES:
                expected = slow.get_template(f"{name}.html.j2").render(unit=unit, sections=shown)
                assert layout.markup(name, unit, sections) == expected
    assert "A&amp;B &lt;i&gt;x&lt;/i&gt; &#34;quoted&#34; &#39;single&#39; &amp;amp;" in layout.markup(
        "project", units[-2]
    )


def _pattern() -> str:
    cache = tplcache.bytecode_cache(**layout.environment_options())
    assert cache is not None
    return cache.pattern


def test_the_compiled_template_cache_key_is_the_same_in_every_process() -> None:
    code = "from xlsgen import layout, tplcache; print(tplcache.bytecode_cache(**layout.environment_options()).pattern)"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == _pattern()
    assert "0x" not in other


def test_the_cache_key_changes_with_the_escaping_function() -> None:
    def escape(value: object) -> str:  # same name, other code
        return str(value)

    options = layout.environment_options()
    assert tplcache.bytecode_cache(**(options | {"finalize": escape})).pattern != _pattern()
    assert tplcache.bytecode_cache(**(options | {"trim_blocks": True})).pattern != _pattern()
