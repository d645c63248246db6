"""Build the CJK font shipped in resilience_jax/fonts/ (run once by a developer, not by users).

Figures with Chinese labels need a font with CJK glyphs; a fresh machine usually has none. This
script subsets Noto Sans SC (SIL Open Font License 1.1) to the 7,445 characters of GB2312 (every
simplified character of everyday use; every Chinese label of the bundled specs) plus ASCII, and
renames the family "Resilience CJK Sans" (the OFL asks modified fonts not to use the original's
reserved names; it also avoids a clash with a full Noto Sans SC installed on the system). About
1.9 MB; the package registers it as a fallback font (resilience_jax.report.fonts).

Source: NotoSansSC-Regular.otf (Noto Sans SC 2.004) from the OFL-licensed wheel
``pip download --no-deps pylopdf-fonts-zh-cn==0.1.1`` (file pylopdf_fonts_zh_cn/NotoSansSC-Regular.otf).
Needs fontTools (a matplotlib dependency).

Usage: python scripts/build_cjk_font.py PATH/TO/NotoSansSC-Regular.otf
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "resilience_jax" / "fonts" / "ResilienceCJKSans-GB2312.otf"
FAMILY = "Resilience CJK Sans"  # renamed: OFL asks modified fonts not to pose as the original; avoids clashing with a full system Noto Sans SC
PSNAME = "ResilienceCJKSans-Regular"


def gb2312_chars() -> set[str]:
    """All 7,445 GB2312 characters (6,763 hanzi + symbols), plus ASCII and a few extras used in tables."""
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars | {chr(c) for c in range(0x20, 0x7F)} | set("−²³±×÷≤≥·…—％（），：；")


def build_subset(src: str | Path, dst: str | Path) -> Path:
    """Dev-time step: subset Noto Sans SC to GB2312 (~1.9 MB OTF, ~5 s) and rename the family."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    opts = subset.Options()
    opts.name_IDs = ["*"]  # keep copyright (0), trademark (7), license (13, 14) records
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.drop_tables += ["DSIG", "VORG", "vhea", "vmtx"]  # vertical metrics are unused by matplotlib
    font = TTFont(src)
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[ord(c) for c in gb2312_chars()])
    sub.subset(font)
    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 4, 16):
            name.setName(FAMILY, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 3:
            name.setName(f"2.004;{PSNAME};GB2312 subset", 3, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 6:
            name.setName(PSNAME, 6, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 17:
            name.removeNames(nameID=17)
    cff = font["CFF "].cff
    top = cff[cff.fontNames[0]]
    cff.fontNames = [PSNAME]
    top.FamilyName, top.FullName = FAMILY, FAMILY
    dst = Path(dst)
    font.save(dst)
    return dst




if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    path = build_subset(sys.argv[1], OUT)
    print(f"wrote {path} ({path.stat().st_size:,} bytes, {len(gb2312_chars()):,} characters)")
