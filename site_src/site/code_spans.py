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
"""

from __future__ import annotations

import re

# Pygments' Name and Whitespace tokens; Material: .highlight .n { color: var(--md-code-hl-name-color) }
# and --md-code-hl-name-color: var(--md-code-fg-color); no rule for .w.
PLAIN_TOKENS = ("n", "w")
_PLAIN = re.compile(r'<span class="(?:' + "|".join(PLAIN_TOKENS) + r')">([^<]*)</span>')
_TWINS = re.compile(r'<span class="([\w-]+)">([^<]*)</span><span class="\1">([^<]*)</span>')
_CODE = re.compile(r"(<code\b[^>]*>)(.*?)(</code>)", re.S)


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
