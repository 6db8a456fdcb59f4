"""Fewer elements in highlighted code, the same colours: lesson pages were mostly code spans.

Pygments wraps every token of a code block in a ``<span>``: on a lesson page about 2,800 to
5,000 of its 3,800 to 6,000 elements (Lighthouse's DOM size; Style & Layout was the largest
part of a phone's main-thread work). Two kinds of them change nothing on screen:

- names (``n``) and whitespace (``w``): Material colours ``.n`` with ``--md-code-hl-name-color``,
  which is ``--md-code-fg-color``, the colour of the code itself, in both schemes, and gives
  ``.w`` no rule at all; their text goes in unwrapped;
- a span right after one of the same class (``)`` then ``.``, ``]])``): one span holds both.

The text of the code is untouched, so copying, search and the "copy up to here" script read
the same characters. Only ``<code>`` elements are changed.

``lazy_code_blocks`` prepares each code block (``div.highlight``: code and recorded outputs) for
being set up only when it comes into view (mkdocs.yml: ``content.lazy``; lessons.css:
``content-visibility: auto``, the browser skips the style and layout of blocks off screen):

- ``style="--lines: N"``, its number of lines: lessons.css reserves its height from it, so that
  the page is as long, and the scroll bar as still, as if every block were drawn;
- ``tabindex="0"`` on its code: a block too wide for the screen scrolls sideways, and a reader
  without a mouse scrolls it once it has the focus. Material gives that focus stop when it sets
  the block up, and takes it away from a block that does not scroll: a block not set up yet
  keeps it (axe: scrollable-region-focusable).
"""

from __future__ import annotations

import re

# Pygments' Name and Whitespace tokens; Material: .highlight .n { color: var(--md-code-hl-name-color) }
# and --md-code-hl-name-color: var(--md-code-fg-color); no rule for .w.
PLAIN_TOKENS = ("n", "w")
_PLAIN = re.compile(r'<span class="(?:' + "|".join(PLAIN_TOKENS) + r')">([^<]*)</span>')
_TWINS = re.compile(r'<span class="([\w-]+)">([^<]*)</span><span class="\1">([^<]*)</span>')
_CODE = re.compile(r"(<code\b[^>]*>)(.*?)(</code>)", re.S)
_BLOCK = re.compile(r'(<div class="(?:[\w-]+ )*highlight(?: [\w-]+)*")([^>]*>\s*<pre\b[^>]*>.*?)(<code\b[^>]*>)(.*?)</code>',
                    re.S)


def slim_code_spans(html: str) -> str:
    """``html`` with the spans of its code elements that change nothing on screen taken out."""
    return _CODE.sub(lambda match: match[1] + _slim(match[2]) + match[3], html)


def _slim(code: str) -> str:
    code = _PLAIN.sub(r"\1", code)
    while True:  # a run of n same-class spans takes about log2(n) passes
        merged = _TWINS.sub(r'<span class="\1">\2\3</span>', code)
        if merged == code:
            return code
        code = merged


def lazy_code_blocks(html: str) -> str:
    """Each ``div.highlight`` of ``html`` with its number of lines (``style="--lines: N"``) and its
    code a focus stop (``tabindex="0"``) until Material sets it up."""
    return _BLOCK.sub(lambda match: f'{match[1]} style="--lines: {_lines(match[4])}"{match[2]}'
                                    f'{_focusable(match[3])}{match[4]}</code>', html)


def _focusable(code_tag: str) -> str:
    return code_tag if "tabindex" in code_tag else code_tag.replace("<code", '<code tabindex="0"', 1)


def _lines(code: str) -> int:
    return code.count("\n") + (0 if code.endswith("\n") else 1)
