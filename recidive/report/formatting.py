"""Locale number formatting for the report: Dutch (``nl``) and English (``en``).

Dutch uses a decimal comma and a point as thousands separator (``35,8%``,
``1.234``); English the other way round (``35.8%``, ``1,234``). Percentages in
sentences are whole numbers (``36%``), in tables they carry one decimal.
Missing values are formatted by the caller (``—`` or ``×``), never here.
"""

from __future__ import annotations

import math

from recidive import defaults
from recidive._arguments import check_lang

#: Shown for a horizon past the end of follow-up (status ``insufficient_follow_up``).
NOT_ESTIMABLE = "—"
#: Shown for a cell hidden by disclosure control (status ``suppressed``).
SUPPRESSED = "×"

_SEPARATORS = {"nl": (",", "."), "en": (".", ",")}


def _check_lang(lang: str) -> tuple[str, str]:
    return _SEPARATORS[check_lang(lang)]


def decimal_sign(lang: str = defaults.LANG) -> str:
    """The decimal sign of ``lang`` (for tick labels drawn by matplotlib).

    Examples
    --------
    >>> decimal_sign("nl"), decimal_sign("en")
    (',', '.')
    """
    return _check_lang(lang)[0]


def format_number(value: float, lang: str = defaults.LANG, decimals: int = 0) -> str:
    """Format a number with the locale's decimal and thousands separators.

    Parameters
    ----------
    value : float
        The number. Must not be NaN (the caller decides how a missing cell shows).
    lang : {"nl", "en"}
        Language of the report.
    decimals : int
        Digits after the decimal separator.

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(1234.5, "nl", 1)
    '1.234,5'
    >>> format_number(1234.5, "en", 1)
    '1,234.5'
    """
    decimal, thousands = _check_lang(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError("format_number got a missing value; format missing cells in the caller")
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def format_count(value: float, lang: str = defaults.LANG) -> str:
    """Format a count of persons or events as an integer.

    Examples
    --------
    >>> format_count(12345, "nl")
    '12.345'
    """
    return format_number(round(float(value)), lang, 0)


def format_percent(value: float, lang: str = defaults.LANG, decimals: int = 1) -> str:
    """Format a proportion (0-1) as a percentage, without a space before ``%``.

    Examples
    --------
    >>> format_percent(0.3581, "nl")
    '35,8%'
    >>> format_percent(0.3581, "en")
    '35.8%'
    >>> format_percent(0.3581, "nl", decimals=0)
    '36%'
    """
    return format_number(100.0 * float(value), lang, decimals) + "%"


def format_interval(
    lower: float, upper: float, lang: str = defaults.LANG, decimals: int = 1
) -> str:
    """Format a confidence interval of proportions as ``33,1–38,6%``.

    Examples
    --------
    >>> format_interval(0.331, 0.386, "nl")
    '33,1–38,6%'
    """
    low = format_number(100.0 * float(lower), lang, decimals)
    return f"{low}–{format_percent(upper, lang, decimals)}"


def format_ratio(value: float, lang: str = defaults.LANG, decimals: int = 2) -> str:
    """Format a hazard ratio.

    Examples
    --------
    >>> format_ratio(1.456, "nl")
    '1,46'
    """
    return format_number(float(value), lang, decimals)


def format_p_value(p: float, lang: str = defaults.LANG) -> str:
    """Format a p-value as ``p = 0,012`` or ``p < 0,001``.

    Examples
    --------
    >>> format_p_value(0.0123, "nl")
    'p = 0,012'
    >>> format_p_value(1e-9, "en")
    'p < 0.001'
    """
    if p < 0.001:
        return "p < " + format_number(0.001, lang, 3)
    return "p = " + format_number(p, lang, 3)


def format_plain(value: float, lang: str = defaults.LANG) -> str:
    """Format a number in its shortest form (``4``, ``2,5``) with the locale's decimal sign.

    Examples
    --------
    >>> format_plain(4.0, "nl"), format_plain(2.5, "nl"), format_plain(2.5, "en")
    ('4', '2,5', '2.5')
    """
    decimal, _ = _check_lang(lang)
    return f"{value:g}".replace(".", decimal)


def horizon_key(years: float) -> str:
    """A horizon in years as the section writes it: ``2``, ``2.5``.

    It is the key of the section's numbers (``numbers["general"]["2"]``) and the
    number in texts such as "binnen 2 jaar", so it does not depend on the language.

    Examples
    --------
    >>> horizon_key(2), horizon_key(2.5)
    ('2', '2.5')
    """
    return f"{float(years):g}"


def level_percent(conf_level: float) -> str:
    """A confidence level as the percentage in texts: ``95``, ``99.5``.

    Examples
    --------
    >>> level_percent(0.95)
    '95'
    """
    return f"{100 * conf_level:g}"
