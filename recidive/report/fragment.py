"""The HTML section as a fragment, to place inside another page.

The report generator assembles the monitor from chapters; a full HTML page (``<html>``,
``<head>``, a stylesheet that styles ``body`` and every ``table``) cannot go inside its page.
The fragment is the same section, made from the standalone page so that the two never drift
apart (a block added to the template appears in both): the ``<body>``'s content inside one
``<div class="recidive" lang="..">``, every ``class`` and ``id`` prefixed with ``recidive-``,
and the page's stylesheet scoped to that ``div`` (``body`` and ``:root`` rules apply to the
``div``, every other selector is prefixed with ``.recidive``), so neither the host page's
styles nor the section's leak into each other. Figures stay inline (base64 PNG).
"""

from __future__ import annotations

import re

#: The prefix of every class and id in the fragment, and the class of its outer ``div``.
PREFIX = "recidive"

_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_BODY = re.compile(r"<body>(.*)</body>", re.S)
_ATTRIBUTE = re.compile(r'\b(class|id)="([^"]*)"')
_ANCHOR = re.compile(r'\bhref="#([^"]+)"')
_SELECTOR_NAME = re.compile(r"([.#])(-?[A-Za-z_][\w-]*)")
_ROOT_SELECTORS = {"body", "html", ":root"}


def html_fragment(page: str, lang: str) -> str:
    """The section of a standalone HTML ``page`` as a fragment with namespaced classes.

    Parameters
    ----------
    page : str
        A page rendered by :meth:`Section.to_html`.
    lang : str
        The section's language, set on the outer ``div``.

    Returns
    -------
    str
        ``<div class="recidive" lang="..."><style>...</style>...</div>``: no ``<html>``,
        ``<head>`` or ``<body>``; classes and ids prefixed with ``recidive-``.

    Examples
    --------
    >>> page = ('<html><head><style>body { margin: 0; } .note, td.num { color: red; }'
    ...         '</style></head><body><p class="note" id="n1">x</p></body></html>')
    >>> print(html_fragment(page, "nl"), end="")
    <div class="recidive" lang="nl">
    <style>
    .recidive { margin: 0; }
    .recidive .recidive-note, .recidive td.recidive-num { color: red; }
    </style>
    <p class="recidive-note" id="recidive-n1">x</p>
    </div>
    """
    style = _STYLE.search(page)
    body = _BODY.search(page)
    if body is None:
        raise ValueError("not a standalone section page: no <body>")
    css = scoped_css(style.group(1), f".{PREFIX}") if style else ""
    content = _ATTRIBUTE.sub(_prefixed_attribute, body.group(1).strip())
    content = _ANCHOR.sub(lambda m: f'href="#{PREFIX}-{m.group(1)}"', content)
    return f'<div class="{PREFIX}" lang="{lang}">\n<style>\n{css}\n</style>\n{content}\n</div>\n'


def scoped_css(css: str, scope: str) -> str:
    """Scope a stylesheet to ``scope``, prefixing its class and id selectors.

    ``body``, ``html`` and ``:root`` become ``scope``; every other selector is put inside
    it; ``@media`` blocks are scoped rule by rule. Comments are dropped.

    Examples
    --------
    >>> scoped_css(":root { --ink: #000; } @media print { h1 { color: black; } }", ".recidive")
    '.recidive { --ink: #000; }\\n@media print {\\n.recidive h1 { color: black; }\\n}'
    """
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return "\n".join(_scoped_rules(css, scope))


def _scoped_rules(css: str, scope: str) -> list[str]:
    rules, position = [], 0
    while (opening := css.find("{", position)) != -1:
        selector = css[position:opening].strip()
        closing = _matching_brace(css, opening)
        inner = css[opening + 1 : closing].strip()
        if selector.startswith("@"):
            rules.append(f"{selector} {{\n" + "\n".join(_scoped_rules(inner, scope)) + "\n}")
        else:
            scoped = ", ".join(_scoped_selector(s.strip(), scope) for s in selector.split(","))
            rules.append(f"{scoped} {{ {inner} }}")
        position = closing + 1
    return rules


def _matching_brace(css: str, opening: int) -> int:
    depth = 0
    for index in range(opening, len(css)):
        depth += {"{": 1, "}": -1}.get(css[index], 0)
        if depth == 0:
            return index
    raise ValueError("unbalanced braces in the section's stylesheet")


def _scoped_selector(selector: str, scope: str) -> str:
    if selector in _ROOT_SELECTORS:
        return scope
    named = _SELECTOR_NAME.sub(lambda m: f"{m.group(1)}{PREFIX}-{m.group(2)}", selector)
    return f"{scope} {named}"


def _prefixed_attribute(match: re.Match) -> str:
    name, value = match.groups()
    if name == "id":
        return f'id="{PREFIX}-{value}"'
    return 'class="' + " ".join(f"{PREFIX}-{c}" for c in value.split()) + '"'
