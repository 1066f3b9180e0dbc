"""Every command and spec that README.md and docs/*.md show runs here, read from the files
themselves: a doc cannot show what does not work.

Each fenced block is classified by its language and content. YAML specs are validated
together with the shipped catalog (as a user has it); YAML project files are loaded;
``kpi …`` lines of shell blocks run with the real CLI (``kpi_engine.cli.main`` in process,
tests/cli_runner.py; the README tour's first lines also as real processes of the ``kpi``
script) in a project built from the README's own ``kpi.yaml`` and ``specs/*.yaml`` blocks
and the demo store's data.
URLs of servers the docs name (``db:5432``) are swapped for this machine's test servers.
Lines that cannot run here are listed in ``NOT_RUN`` with the reason, and that list is
itself checked. docs/metrics/ is generated from the catalog and not read here.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import shlex
import subprocess
import sys
import tomllib
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml

from kpi_engine.errors import SpecErrors
from kpi_engine.project import Project, load_project
from kpi_engine.registry import load_registry, select_packs

from .cli_runner import run_kpi
from .conftest_warehouses import MYSQL_URL, POSTGRES_URL, unavailable

ROOT = Path(__file__).parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# Lines shown in the docs that this test does not run, each with the reason. Kept small:
# every entry must still appear in a doc (test_not_run_list_is_current).
NOT_RUN = {
    "python3.11 -m venv .venv && .venv/bin/pip install . && .venv/bin/kpi demo":
        "makes a virtualenv and installs from the package index; the wheel's content is "
        "checked by test_packaging.py and `kpi demo` by test_demo_command.py",
    "python3.11 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest -q -n 2":
        "the test suite itself: .ci/run runs this very line",
    "pip install 'commerce-kpi-engine[postgres]'":
        "installs from the package index; the drivers come with the [test] extra here",
    ".venv/bin/pytest --overwrite-snapshots": "rewrites tests/snapshots/ (test_golden_sql.py)",
    ".venv/bin/python bench/compile_bench.py": "a benchmark of minutes, not a check",
    ".venv/bin/python bench/cli_bench.py": "a benchmark (dozens of kpi processes), not a check",
    '.venv/bin/pytest -q -n 2 -m "not slow"': "the test suite itself, without its slow part",
    ".venv/bin/python -m kpi_engine.docs_cli > docs/cli.md":
        "rewrites docs/cli.md; test_packaging.py checks that it is current",
    ".venv/bin/python -m kpi_engine.docs_metrics":
        "rewrites docs/metrics/; test_catalog.py checks that it is current",
    "bash .ci/run": "CI itself: deletes and rebuilds .venv",
}
# Warehouses the docs name on hosts of their own, and the test server standing in for each.
DOC_SERVERS = {
    "postgresql://kpi@db:5432/shop": ("postgresql", POSTGRES_URL),
    "mysql://kpi@db:3306/shop": ("mariadb", MYSQL_URL),
}
SHELL = {"bash", "sh", "shell", "console"}
SPEC_KEYS = {"dialect", "sources", "metrics"}
PROJECT_KEYS = {f.name for f in dataclasses.fields(Project) if f.name != "root"}


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    name: str | None  # the file a block is said to be: "(`specs/shop.yaml`)", "# kpi.yaml"
    heading: str

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)\s*$")
_NAMED = re.compile(r"`([\w./-]+\.ya?ml)`")


def code_blocks(doc: Path) -> list[Block]:
    lines = doc.read_text(encoding="utf-8").splitlines()
    blocks, paragraph, current, heading, i = [], [], [], "", 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence:
            if lines[i].startswith("#"):
                heading = lines[i].lstrip("#").strip()
            if lines[i].strip():
                current.append(lines[i].strip())
            elif current:
                paragraph, current = current, []
            i += 1
            continue
        indent, marker, lang = fence.groups()
        body, start = [], i + 1
        i += 1
        while i < len(lines) and lines[i].strip() != marker:
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        text = "\n".join(body) + "\n"
        named = _NAMED.findall(" ".join(current or paragraph))  # the paragraph before
        first = body[0].strip() if body else ""
        name = first[2:].strip() if re.fullmatch(r"# [\w./-]+\.ya?ml", first) else (
            named[-1] if named else None)
        blocks.append(Block(doc, start, lang.lower(), text, name, heading))
        paragraph, current = [], []
    return blocks


ALL_BLOCKS = [b for doc in DOCS for b in code_blocks(doc)]


def kind_of(block: Block) -> str:
    """spec, project, commands, python, toml, csv or text; anything else fails."""
    if block.lang in ("yaml", "yml"):
        data = yaml.safe_load(block.text)
        if isinstance(data, dict) and data and set(data) <= SPEC_KEYS:
            return "spec"
        if isinstance(data, list) and all(isinstance(d, dict) and "type" in d for d in data):
            return "spec"
        if isinstance(data, dict) and data and set(data) <= PROJECT_KEYS:
            return "project"
        return f"unknown yaml (keys {sorted(data) if isinstance(data, dict) else data!r})"
    if block.lang in SHELL or (block.lang == "" and block.text.lstrip().startswith("kpi ")):
        return "commands"
    if block.lang in ("python", "toml", "csv", "text", "sql"):
        return block.lang
    if block.lang == "":
        return "text"  # terminal output, a diagram, generated --help
    return f"unknown language {block.lang!r}"


def blocks_of(kind: str) -> list[Block]:
    return [b for b in ALL_BLOCKS if kind_of(b) == kind]


def command_lines() -> list[tuple[Block, str]]:
    out = []
    for block in blocks_of("commands"):
        for line in block.text.splitlines():
            line = line.strip().removeprefix("$ ")
            if line and not line.startswith("#"):
                out.append((block, line))
    return out


def _without_comment(line: str) -> str:
    return shlex.join(shlex.split(line, comments=True)) if "#" in line else line


def test_every_block_is_classified():
    unknown = [f"{b.where}: {kind_of(b)}" for b in ALL_BLOCKS if kind_of(b).startswith("unknown")]
    assert not unknown, "blocks this test cannot check:\n" + "\n".join(unknown)
    assert len(blocks_of("spec")) >= 8 and len(command_lines()) >= 15


def test_every_shell_line_runs_or_says_why_not():
    not_kpi = [f"{b.where}: {line}" for b, line in command_lines()
               if not line.startswith("kpi ") and _not_run_key(line) is None]
    assert not not_kpi, "shell lines neither run here nor listed in NOT_RUN:\n" + \
        "\n".join(not_kpi)


def _not_run_key(line: str) -> str | None:
    return next((k for k in NOT_RUN if line == k or line.startswith(k + " ")), None)


def test_not_run_list_is_current():
    shown = [line for _, line in command_lines()]
    stale = [k for k in NOT_RUN if not any(_not_run_key(line) == k for line in shown)]
    assert not stale, f"NOT_RUN entries no doc shows any more: {stale}"
    assert len(NOT_RUN) <= 10, "keep the list of lines not run small"
    assert not any(k.startswith("kpi ") for k in NOT_RUN), "every kpi command runs"


# -- specs and project files ------------------------------------------------------------

@pytest.mark.parametrize("block", blocks_of("spec"), ids=lambda b: b.where)
def test_spec_block_validates_beside_the_catalog(block, tmp_path):
    data = yaml.safe_load(block.text)
    text = yaml.safe_dump({"metrics": data}) if isinstance(data, list) else block.text
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "example.yaml").write_text(text, encoding="utf-8")
    try:
        registry = load_registry([folder])
    except SpecErrors as exc:
        pytest.fail(f"{block.where}: the block does not validate (lines count from the "
                    f"fence):\n{exc}")
    mine = {n for n, m in registry.metrics.items() if registry.packs[n] == str(folder)}
    assert mine or isinstance(data, dict), f"{block.where} defines no metric"
    assert "catalog" in registry.loaded_packs


@pytest.mark.parametrize("block", blocks_of("project"), ids=lambda b: b.where)
def test_project_block_loads(block, tmp_path):
    (tmp_path / "kpi.yaml").write_text(block.text, encoding="utf-8")
    project = load_project(tmp_path / "kpi.yaml")
    from kpi_engine.extensions import connector_class
    from kpi_engine.sync.engine import build_settings

    for name in project.connectors:  # the settings a connector would be given
        build_settings(connector_class(name), project.connector_settings(name))
    if project.packs is not None:
        only = project.packs if isinstance(project.packs, tuple) else None
        exclude = () if only is not None else project.packs.exclude
        from kpi_engine.extensions import extensions

        chosen, errors = select_packs(list(extensions().spec_packs), only, exclude)
        assert not errors, f"{block.where}: {errors}"


@pytest.mark.parametrize("block", blocks_of("python"), ids=lambda b: b.where)
def test_python_block_parses(block):
    ast.parse(block.text, filename=block.where)


@pytest.mark.parametrize("block", blocks_of("toml"), ids=lambda b: b.where)
def test_toml_block_parses(block):
    tomllib.loads(block.text)


# -- commands -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The README's project: its kpi.yaml and specs/*.yaml blocks, the demo store's files
    in data/ (loaded into the project's warehouse as the README's own sync line does), and
    the schema's input-table examples in folder/."""
    from kpi_engine.demo.generate import generate_demo

    root = tmp_path_factory.mktemp("docs-project")
    readme = [b for b in ALL_BLOCKS if b.doc.name == "README.md" and b.name]
    assert {b.name for b in readme} >= {"kpi.yaml", "specs/shop.yaml"}
    for block in readme:
        (root / block.name).parent.mkdir(parents=True, exist_ok=True)
        (root / block.name).write_text(block.text, encoding="utf-8")
    generate_demo(root / "data", seed=7, start=date(2025, 3, 1), days=122)
    # Other warehouses get one month (commands only need the store there): Spark and the
    # servers load far slower than embedded DuckDB.
    generate_demo(root / "month", seed=7, start=date(2025, 6, 1), days=30)
    (root / "folder").mkdir()
    for block in blocks_of("csv"):
        (root / "folder" / f"{block.heading}.csv").write_text(block.text, encoding="utf-8")
    result = kpi("sync", "files", "--set", "path=data/", "-q", cwd=root)
    assert result.returncode == 0, result.stderr
    return root


def kpi(*args: str, cwd: Path, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess:
    if any(a.startswith("spark:") for a in args):
        # A Spark session (a JVM) outlives the command in the process that started it.
        return kpi_process(*args, cwd=cwd, env=env)
    return run_kpi(*args, cwd=cwd, env=env)


def kpi_process(*args: str, cwd: Path, env: dict[str, str] | None = None,
                command: tuple[str, ...] = (sys.executable, "-m", "kpi_engine")
                ) -> subprocess.CompletedProcess:
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=None if env is None else {**os.environ, **env})


@pytest.fixture(scope="module")
def servers(project):
    """Doc server URLs -> test URLs in a fresh schema each, holding the store once used."""
    made: dict[str, str] = {}

    def url_for(doc_url: str) -> str:
        if doc_url not in made:
            engine, base = DOC_SERVERS[doc_url]
            schema = f"kpi_docs_{uuid.uuid4().hex[:10]}"
            url = f"{base}{'&' if '?' in base else '?'}schema={schema}"
            loaded = kpi("sync", "files", "--set", "path=month/", "-q", "-w", url, cwd=project)
            if loaded.returncode != 0:
                unavailable(engine, loaded.stderr.strip().splitlines()[-1])
            made[doc_url] = url
        return made[doc_url]

    yield url_for
    for doc_url, url in made.items():
        _drop(DOC_SERVERS[doc_url][0], url)


def _drop(engine: str, url: str) -> None:
    from kpi_engine.warehouses.connect import connect

    base, schema = url.rsplit("schema=", 1)
    wh = connect(base.rstrip("?&"))
    try:
        wh.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE' if engine == "postgresql"
                   else f"DROP DATABASE IF EXISTS `{schema}`")
    finally:
        wh.close()


def _command_id(item: tuple[Block, str]) -> str:
    block, line = item
    return f"{block.where}:{_without_comment(line)[:70]}"


KPI_LINES = [(b, line) for b, line in command_lines() if line.startswith("kpi ")]
# With the slow part: `kpi demo` (it builds and loads two years of a store) and the lines
# on the PostgreSQL and MariaDB servers (cross-engine; Spark's are marked by conftest.py).
KPI_PARAMS = [pytest.param(item, marks=pytest.mark.slow)
              if item[1].startswith("kpi demo ") or any(url in item[1] for url in DOC_SERVERS)
              else item for item in KPI_LINES]


@pytest.mark.parametrize("item", KPI_PARAMS, ids=_command_id)
def test_command_runs(item, project, servers):
    block, line = item
    args = shlex.split(line, comments=True)[1:]
    for i, arg in enumerate(args):
        if arg in DOC_SERVERS:
            args[i] = servers(arg)
    url = next((a for a in args if a.startswith(("sqlite:", "spark:"))), None)
    if url and args[0] != "sync":  # the store must be there, as the doc's sync put it
        loaded = kpi("sync", "files", "--set", "path=month/", "-q", "-w", url, cwd=project)
        assert loaded.returncode == 0, loaded.stderr
    if args[:2] == ["sync", "shopify"]:  # a Shopify API on 127.0.0.1 stands in for the shop
        from .shopify_fake import shop_stand_in

        with shop_stand_in() as (extra, env):
            result = kpi(*args, *extra, cwd=project, env=env)
    else:
        result = kpi(*args, cwd=project)
    assert result.returncode == 0, f"{block.where}: {line}\n{result.stderr}"
    assert result.stdout.strip() or args[0] == "sync", f"{block.where}: {line} printed nothing"


@pytest.mark.slow
def test_the_readme_tour_runs_as_a_newcomer_types_it(tmp_path):
    """The tour from an empty folder holding only the README's own files (its spec and
    kpi.yaml), its first lines typed in order through the installed ``kpi`` script, a
    process each (start-up, imports, exit): the demo's files, validate, sync, compile,
    eval. Each prints what the in-process run prints (demo and sync print timings)."""
    script = Path(sys.executable).parent / "kpi"
    assert script.exists(), f"no kpi script beside {sys.executable}: pip install -e ."
    for block in ALL_BLOCKS:
        if block.doc.name == "README.md" and block.name:
            (tmp_path / block.name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / block.name).write_text(block.text, encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kpi.yaml", "specs"]
    tour = next(b for b, _ in KPI_LINES if b.doc.name == "README.md")
    lines = [line for b, line in KPI_LINES if b is tour][:5]
    assert [line.split()[1] for line in lines] == ["demo", "validate", "sync", "compile",
                                                   "eval"]
    for line in lines:
        args = shlex.split(line, comments=True)[1:]
        real = kpi_process(*args, cwd=tmp_path, command=(str(script),))
        assert real.returncode == 0, f"{line}\n{real.stderr}"
        if args[0] not in ("demo", "sync"):
            assert real.stdout == run_kpi(*args, cwd=tmp_path).stdout, line
    assert "paid_sales" in real.stdout and "2025-06" in real.stdout, real.stdout


# -- the Python API (docs/python.md) ------------------------------------------------------

API_BLOCKS = [b for b in blocks_of("python") if "kpi_engine.open(" in b.text]


@pytest.mark.parametrize("block", API_BLOCKS, ids=lambda b: b.where)
def test_python_api_block_runs(block, project, monkeypatch, capsys):
    """Each API example runs in the README's project; one followed by a `kpi eval ...
    --format json` block must leave in ``result`` exactly the records that command prints."""
    import json

    from kpi_engine.cli.output import records_json

    monkeypatch.chdir(project)
    namespace: dict = {}
    exec(compile(block.text, block.where, "exec"), namespace)  # noqa: S102 - our own doc
    assert capsys.readouterr().out.strip(), f"{block.where} printed nothing"
    blocks = code_blocks(block.doc)
    after = blocks[blocks.index(block) + 1:]
    same = next((b for b in after[:1] if kind_of(b) == "commands"), None)
    if same is None:
        return
    line = same.text.strip()
    assert line.startswith("kpi eval ") and line.endswith("--format json"), line
    printed = kpi(*shlex.split(line)[1:], cwd=project)
    assert printed.returncode == 0, printed.stderr
    assert json.loads(records_json(namespace["result"].records)) == json.loads(
        printed.stdout), f"{block.where}: the API and `{line}` disagree"


def test_the_api_example_is_compared_with_the_cli():
    compared = [b for b in API_BLOCKS if b.doc.name == "python.md"]
    assert len(compared) >= 2, "docs/python.md lost its examples"


# -- links -------------------------------------------------------------------------------

_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _anchors(doc: Path) -> set[str]:
    """``<a id="…">`` targets and GitHub's heading anchors (lower case, punctuation
    dropped, spaces to hyphens)."""
    text = doc.read_text(encoding="utf-8")
    out = set(re.findall(r'<a id="([^"]+)"', text))
    for line in text.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return out


def test_links_resolve():
    broken = []
    for doc in [*DOCS, *sorted((ROOT / "docs" / "metrics").glob("*.md"))]:
        for target in _LINK.findall(doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # a web address
            path, _, anchor = target.partition("#")
            dest = (doc.parent / path).resolve() if path else doc
            if not dest.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{doc.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


# -- SQL the docs tell a user to run ----------------------------------------------------

@pytest.mark.warehouse
@pytest.mark.parametrize("block", blocks_of("sql"), ids=lambda b: b.where)
def test_sql_block_repairs_repeated_keys_on_postgresql(block, warehouse_factory):
    """The docs' SQL is the repair for tables that hold a key twice (docs/warehouses.md):
    run on PostgreSQL over such a table, it leaves every key once and every other row."""
    wh = warehouse_factory("postgresql")
    orders = wh.qualify("orders")
    wh.execute(f"CREATE TABLE {orders} (source TEXT, order_id TEXT, subtotal NUMERIC)")
    rows = [("s", "o1", 1), ("s", "o1", 1), ("s", "o2", 2), ("t", "o1", 3), ("s", "o2", 2)]
    for row in rows:
        wh.execute(f"INSERT INTO {orders} VALUES (%s, %s, %s)", row)
    sql = block.text.replace("shop.orders", orders)
    assert sql != block.text, f"{block.where}: expected the example's table shop.orders"
    wh.execute(sql.strip().rstrip(";"))
    left = sorted(wh.query(f"SELECT source, order_id, subtotal FROM {orders}").rows)
    assert [(s, o, int(x)) for s, o, x in left] == [("s", "o1", 1), ("s", "o2", 2),
                                                     ("t", "o1", 3)]
