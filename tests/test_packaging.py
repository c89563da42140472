"""The package as users install it: a wheel in a fresh environment runs the benchmark from any folder."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the project's wheel installed (its dependencies borrowed from this environment)."""
    import shutil

    import setuptools

    base = tmp_path_factory.mktemp("packaging")
    wheels = base / "wheels"
    # built from a copy, so that nothing a build leaves in the checkout (a stale build/ folder) gets into the wheel
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info",
                                                                "results", "tests", "__pycache__"))

    # the wheel and the sdist as a release makes them (with this environment's setuptools: no network)
    assert int(setuptools.__version__.split(".")[0]) >= 68
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", str(wheels),
                    str(source)], check=True, capture_output=True, timeout=600)
    (wheel,) = wheels.glob("claimbench-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # numpy, msgspec, tabulate, tqdm from here; a .pth adds the folder without running its own .pth files,
    # so this checkout's editable install stays invisible to the fresh environment
    (venv / site.split(str(venv) + "/", 1)[1] / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    return wheel, venv


def test_the_wheel_and_the_sdist_pass_twine_check_and_the_light_install_is_light(installed):
    import tarfile
    from email.parser import Parser

    wheel, _ = installed
    (sdist,) = wheel.parent.glob("claimbench-*.tar.gz")
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    plain = sorted(r.split(">")[0].split("=")[0].strip() for r in metadata.get_all("Requires-Dist")
                   if "extra ==" not in r)
    assert plain == ["msgspec", "numpy", "tabulate", "tqdm"]  # torch, transformers, datasets, openai, ray: extras
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    for needed in ("seeds/SHA256SUMS", "gold/VERSION", "gold/links.json", "gold/dev/test/gold/VERSION",
                   "baselines/prompts/claims.txt", "README.md"):
        assert any(n.endswith("/" + needed) for n in names), needed


def test_the_wheel_ships_the_data_under_one_package_name(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("claimbench-")}
    assert tops == {"bench"}  # no top-level "baselines", "gold" or "seeds" to collide with other distributions
    for needed in ("bench/gold/VERSION", "bench/gold/links.json", "bench/gold/claimants.json",
                   "bench/seeds/SHA256SUMS", "bench/baselines/rules.py", "bench/baselines/prompts/claims.txt",
                   "bench/gold/dev/train/gold/VERSION", "bench/gold/dev/test/docs/d03_fallow_field.txt"):
        assert needed in names
    assert len([n for n in names if n.startswith("bench/seeds/") and n.endswith(".txt")]) == 5


def test_bench_run_works_from_any_folder(installed, tmp_path):
    _, venv = installed
    done = subprocess.run([str(venv / "bin" / "bench"), "run", "--model", "rules", "--quiet", "--format", "json"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results["gold"]["path"] == "gold" and results["gold"]["documents"] == 5
    (run,) = (tmp_path / "results").iterdir()  # runs go under the current folder
    assert (run / "results.json").is_file()
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import bench, bench.baselines; print(bench.__file__)\n"
                            "try:\n    import baselines\nexcept ImportError:\n    print('no top-level baselines')"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert str(venv) in where.stdout and "no top-level baselines" in where.stdout
    validated = subprocess.run([str(venv / "bin" / "bench"), "validate"], capture_output=True, text=True, cwd=tmp_path)
    assert validated.returncode == 0 and "gold OK: 5 documents" in validated.stdout
