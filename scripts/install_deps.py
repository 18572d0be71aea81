"""Install the project's dependencies into the running interpreter, straight from pyproject.toml.

`make` first tries `pip install -e .[dev]`; this is the fallback for a pip or setuptools that
cannot build the (package-less) project itself. Usage: python scripts/install_deps.py [extra ...]
"""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def requirements(extras: list[str]) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        wanted += optional.get(extra, [])
    return wanted


def main() -> int:
    extras = sys.argv[1:] or ["dev"]
    return subprocess.call([sys.executable, "-m", "pip", "install", "--quiet", *requirements(extras)])


if __name__ == "__main__":
    sys.exit(main())
