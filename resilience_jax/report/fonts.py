"""Chinese glyphs in figures: the package ships a GB2312 subset of Noto Sans SC (SIL Open Font
License 1.1, ``resilience_jax/fonts/OFL.txt``; built by ``scripts/build_cjk_font.py``) and adds it
as a fallback font, so that Chinese labels render on a machine without CJK fonts.

Matplotlib falls back glyph by glyph across the entries of ``rcParams["font.family"]``: the
default sans-serif font stays first (Latin text, digits and the minus sign keep their look) and the
CJK font supplies the glyphs it lacks. The command line calls :func:`use_cjk_font` before it draws;
a library user calls it once (it changes matplotlib's global settings), or draws inside
``matplotlib.rc_context(cjk_rc())``.
"""

from __future__ import annotations

from pathlib import Path

FONT = Path(__file__).resolve().parent.parent / "fonts" / "ResilienceCJKSans-GB2312.otf"


def cjk_font() -> str:
    """Register the shipped CJK font with matplotlib (once per process) and return its family name.

    Returns
    -------
    str
        The family name, ``"Resilience CJK Sans"``.

    Example
    -------
    >>> cjk_font()
    'Resilience CJK Sans'
    """
    from matplotlib import font_manager

    if not any(Path(f.fname) == FONT for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(FONT))  # in memory: no font cache is written
    return font_manager.FontProperties(fname=str(FONT)).get_name()


def cjk_rc() -> dict:
    """matplotlib settings that add the CJK font as a fallback to the current font family (for
    ``matplotlib.rc_context``).

    Returns
    -------
    dict
        ``{"font.family": [..., "Resilience CJK Sans"]}``.

    Example
    -------
    >>> cjk_rc()["font.family"][-1]
    'Resilience CJK Sans'
    """
    import matplotlib as mpl

    name = cjk_font()
    family = [f for f in mpl.rcParams["font.family"] if f != name]
    return {"font.family": [*family, name]}


def use_cjk_font() -> str:
    """Add the CJK font as a fallback to matplotlib's global settings; returns its family name.

    Returns
    -------
    str
        The family name.

    Example
    -------
    >>> import warnings
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> name = use_cjk_font()
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     fig, ax = plt.subplots()
    ...     _ = ax.set_title("高技术产业韧性 REIC −0.5")
    ...     fig.canvas.draw()
    >>> plt.close(fig)
    >>> [str(w.message) for w in caught if "missing from font" in str(w.message)]
    []
    """
    import matplotlib as mpl

    mpl.rcParams.update(cjk_rc())
    return cjk_font()
