"""Word-level redline of two texts, as escaped HTML (no model here)."""

import difflib
import re

from markupsafe import Markup, escape

# Words and the whitespace between them are tokens of their own, so that the
# redline keeps the text's spacing and line breaks.
TOKEN = re.compile(r"\s+|[^\s]+")
DEL = Markup('<del style="color:#b02a37;background:#f8d7da;">%s</del>')
INS = Markup('<ins style="color:#146c43;background:#d1e7dd;">%s</ins>')


def redline(old, new):
    """``new`` against ``old``, word by word: removed words in ``<del>``,
    added words in ``<ins>``, everything escaped.

    :return: ``Markup``
    """
    before = TOKEN.findall(old or "")
    after = TOKEN.findall(new or "")
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    parts = []
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            parts.append(escape("".join(before[i1:i2])))
            continue
        if i2 > i1:
            parts.append(DEL % "".join(before[i1:i2]))
        if j2 > j1:
            parts.append(INS % "".join(after[j1:j2]))
    return Markup("").join(parts)
