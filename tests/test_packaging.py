"""`pip install .` (non-editable) gives one import package that finds its data anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_installs_one_package_with_its_data(tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(ROOT)], check=True, timeout=300)
    top = sorted(p.name for p in target.iterdir() if not p.name.endswith(".dist-info") and p.name != "bin")
    assert top == ["kg"], top           # no generic `loaders`/`viz` in site-packages
    code = ("import kg.schema, kg.queries, kg.viz, kg.loaders.batch, kg.data, importlib.resources as r;"
            "print(len(kg.schema.load_schema().nodes));"
            "print(len(list(r.files('kg.data').joinpath('sample').iterdir())));"
            "print(r.files('kg.viz').joinpath('assets/vis-network.min.js').is_file());"
            "print(kg.schema.__file__)")
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[0] == "8" and out[1] == "5" and out[2] == "True"
    assert out[3].startswith(str(target))


def test_readme_graph_section_is_the_schema():
    """The README's schema tables are `kg schema --markdown` (the docs derive from schema.yaml)."""
    from kg.schema import load_schema

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- schema:begin -->\n", 1)[1].split("<!-- schema:end -->", 1)[0]
    assert section == load_schema().markdown()
