"""The safe Markdown subset used by FAQ answers and notice bodies.

markdown-it-py with raw HTML off: tags typed by staff come out as text. Images,
code blocks and tables are off; links must be http(s), mailto or site-relative;
headings start at level 3 so an answer never outranks the page's own headings.
"""

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

_ALLOWED_LINKS = ("http://", "https://", "mailto:", "/", "#")
_MIN_HEADING = 3


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.disable(["image", "html_block", "html_inline", "code", "fence", "table"],
               ignoreInvalid=True)
    md.validateLink = lambda url: url.strip().lower().startswith(_ALLOWED_LINKS)

    def link_open(renderer, tokens, idx, options, env):
        tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_MD = _build()


def _clamp_headings(tokens) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{max(int(token.tag[1]), _MIN_HEADING)}"


def render(source: str) -> Markup:
    """Render ``source`` to HTML; everything the author typed is escaped."""
    tokens = _MD.parse(source or "")
    _clamp_headings(tokens)
    return Markup(_MD.renderer.render(tokens, _MD.options, {}))


@lru_cache(maxsize=4096)
def plain_text(source: str) -> str:
    """The visible text of ``source`` (for search and snippets; cached, as every hit needs it)."""
    lines: list[str] = []
    current: list[str] = []
    for token in _MD.parse(source or ""):
        if token.type == "inline":
            for child in token.children or ():
                if child.type in ("text", "code_inline"):
                    current.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    current.append("\n")
        elif token.type.endswith("_close") and current:
            lines.append("".join(current))
            current = []
    if current:
        lines.append("".join(current))
    return "\n".join(lines)
