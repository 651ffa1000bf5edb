"""Build each addon's README.rst from its manifest and readme/*.md fragments.

A small stand-in for OCA's oca-gen-addon-readme. `--check` exits 1 when a
README.rst is missing or out of date (used by `make lint`).
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
]


def render(addon):
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
    title = manifest["name"]
    parts = ["=" * len(title), title, "=" * len(title), "", manifest["summary"], ""]
    parts += [
        f"**Version** {manifest['version']} · **License** {manifest['license']}"
        f" · **Depends on** {', '.join(manifest['depends'])}",
        "",
        ".. contents::",
        "   :local:",
        "",
    ]
    for filename, heading in SECTIONS:
        path = addon / "readme" / filename
        if not path.exists():
            continue
        if heading:
            parts += [heading, "=" * len(heading), ""]
        parts += [path.read_text().rstrip(), ""]
    parts += [
        "Credits",
        "=======",
        "",
        f"Authors: {manifest['author']}.",
        "",
        "This file is generated from ``readme/*.md`` by ``scripts/gen_readme.py``.",
        "",
    ]
    return "\n".join(parts)


def main():
    check = "--check" in sys.argv
    stale = []
    for manifest in sorted((ROOT / "addons").glob("*/__manifest__.py")):
        addon = manifest.parent
        text = render(addon)
        target = addon / "README.rst"
        if not target.exists() or target.read_text() != text:
            stale.append(str(target.relative_to(ROOT)))
            if not check:
                target.write_text(text)
    if check and stale:
        sys.stderr.write(
            "Out of date (run python3 scripts/gen_readme.py): %s\n" % ", ".join(stale)
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
