"""Fail when pyproject.toml names a dependency that requirements.lock does not pin.

`make` installs from the lock only, so a dependency added to pyproject.toml without
`make lock` would be missing on a fresh machine (and in CI) while the author's venv has it.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
pinned = {
    canonicalize_name(m.group(1))
    for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==", (ROOT / "requirements.lock").read_text(), re.M)
}
missing = sorted({str(Requirement(r).name) for r in wanted} - pinned, key=str.lower)
missing = [name for name in missing if canonicalize_name(name) not in pinned]
if missing:
    print(f"requirements.lock lacks {', '.join(missing)}: run `make lock`", file=sys.stderr)
    sys.exit(1)
