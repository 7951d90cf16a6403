"""The package works when installed as a wheel, not only from the checkout.

Builds the wheel, installs it (not editable) into a fresh virtual environment, and runs
`python -m bot demo` from a folder outside the checkout: the translations, migrations and
word lists must all come from the installed package.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_installed_wheel_runs_the_demo(tmp_path: Path) -> None:
    # Build from a copy: building in place would leave a build/ folder in the checkout.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".*", "build", "data", "__pycache__", "*.egg-info"),
    )
    wheels = tmp_path / "wheels"
    built = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps",
        "-w", wheels, source, cwd=tmp_path,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheels.glob("haoshangliang-*.whl")
    venv = tmp_path / "venv"
    made = _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    # The dependencies come from the test environment (a .pth adds its site-packages after
    # the new environment's own); the project itself only from the wheel.
    own_site = Path(
        _run(
            python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path
        ).stdout.strip()
    )
    (own_site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    installed = _run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", wheel,
        cwd=tmp_path,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-2000:]
    where = _run(
        python, "-c", "import bot, locales; print(bot.__file__, locales.__file__)", cwd=tmp_path
    )
    assert str(ROOT) not in where.stdout, where.stdout  # not the checkout's copy
    demo = _run(python, "-m", "bot", "demo", cwd=tmp_path, timeout=120)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "YS-" in demo.stdout  # the resident got a number, in Chinese
    assert "编号" in demo.stdout
