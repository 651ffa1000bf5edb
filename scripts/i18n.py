"""Keep each addon's zh_CN translation complete.

    i18n.py check              every addon ships i18n/<addon>.pot and
                               i18n/zh_CN.po, and every term of the template
                               has a Chinese translation with the same
                               placeholders (used by `make lint`)
    i18n.py merge ADDON [PY]   update i18n/zh_CN.po from the template: keep
                               the existing translations, add new terms
                               (translated from the dict ``T`` of the Python
                               file PY when given, else as another addon
                               translates them), drop obsolete ones

The template comes from Odoo (`make pot M=addon` exports it from the test
database).
"""

import re
import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
# One word per notion, Odoo's own: its zh_CN calls the credit limit 信贷额度.
AVOID = {"信用额度": "信贷额度 (Odoo's term for Credit Limit)"}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdf]|%[sdf]|\{[a-z_]*\}")


def _read(path):
    with path.open("rb") as handle:
        return read_po(handle)


def check():
    problems = []
    for addon in sorted(p for p in (ROOT / "addons").iterdir() if p.is_dir()):
        pot_path = addon / "i18n" / f"{addon.name}.pot"
        po_path = addon / "i18n" / "zh_CN.po"
        if not pot_path.exists() or not po_path.exists():
            problems.append(f"{addon.name}: i18n/{addon.name}.pot or zh_CN.po missing")
            continue
        po = _read(po_path)
        for message in _read(pot_path):
            if not message.id:
                continue
            translated = po.get(message.id)
            if translated is None or not translated.string:
                problems.append(f"{addon.name}: untranslated {message.id!r}")
            elif any(word in translated.string for word in AVOID):
                problems.append(
                    f"{addon.name}: {message.id!r}: "
                    + "; ".join(
                        f"{word} -> {AVOID[word]}"
                        for word in AVOID
                        if word in translated.string
                    )
                )
            elif sorted(PLACEHOLDER.findall(message.id)) != sorted(
                PLACEHOLDER.findall(translated.string)
            ):
                problems.append(f"{addon.name}: placeholders differ in {message.id!r}")
    for problem in problems:
        print(problem)
    print("zh_CN: complete" if not problems else f"zh_CN: {len(problems)} problem(s)")
    return 1 if problems else 0


def _shared_translations(addon_name):
    """Terms the other addons already translate (field labels of mail.thread,
    Company, Status...), so that one word reads the same across the suite."""
    shared = {}
    for po_path in sorted((ROOT / "addons").glob("*/i18n/zh_CN.po")):
        if po_path.parent.parent.name == addon_name:
            continue
        for message in _read(po_path):
            if message.id and message.string:
                shared.setdefault(message.id, message.string)
    return shared


def merge(addon_name, translations=None):
    i18n = ROOT / "addons" / addon_name / "i18n"
    pot = _read(i18n / f"{addon_name}.pot")
    po_path = i18n / "zh_CN.po"
    old = _read(po_path) if po_path.exists() else None
    extra = runpy.run_path(translations)["T"] if translations else {}
    shared = _shared_translations(addon_name)
    pot.locale = "zh_CN"
    pot.fuzzy = False
    missing = 0
    for message in pot:
        if not message.id:
            continue
        previous = old.get(message.id) if old else None
        message.string = (
            (previous and previous.string)
            or extra.get(message.id)
            or shared.get(message.id, "")
        )
        missing += not message.string
    with po_path.open("wb") as handle:
        write_po(handle, pot, width=0, omit_header=False)
    print(f"{po_path.relative_to(ROOT)}: {len(pot)} terms, {missing} untranslated")


if __name__ == "__main__":
    if sys.argv[1:2] == ["check"]:
        sys.exit(check())
    if sys.argv[1:2] == ["merge"] and len(sys.argv) in (3, 4):
        merge(*sys.argv[2:])
        sys.exit(0)
    sys.exit(__doc__)
