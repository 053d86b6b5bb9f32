"""kg.viz: self-contained offline HTML views.

(a) unit tests on the generated HTML (no browser);
(b) ``@pytest.mark.browser``: the page opened from a file:// URL in headless Chromium
    with every network path closed, drawn, checked and photographed.  Skipped when
    /usr/bin/chromium is absent, unless KG_REQUIRE_BROWSER=1 (CI), then it fails.
    ``scripts/install-chromium`` installs the browser and its driver.
"""

from __future__ import annotations

import base64
import ctypes
import hashlib
import json
import os
import re
import shutil
import signal
import struct
import tempfile
import time
import zlib
from collections import Counter
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import networkx as nx
import pytest
import yaml

from kg.viz import MAX_NODES, graph_from_rows, load_styles, render, to_html, truncate

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

EVIL = '<script>window.__kg_pwned = 1</script><img src=x onerror="window.__kg_pwned = 2">'


# ------------------------------------------------------------------------ fixtures

def small_graph() -> nx.MultiDiGraph:
    """A Unit leading two Tasks (and supporting one), a Policy cited, a Place
    PART_OF, an Outcome, a Document; Chinese names; one name tries HTML injection."""
    nodes = [
        {"id": "440306|深圳市宝安区发展和改革局", "label": "Unit", "name": "宝安区发展和改革局",
         "props": {"kind": "government", "level": "county", "aliases": ["区发展改革局", "区发改局"]}},
        {"id": "440306|区政务服务数据管理局", "label": "Unit", "name": "区政务服务数据管理局",
         "props": {"kind": "government"}},
        {"id": "doc1#1", "label": "Task", "name": "深化“放管服”改革，优化营商环境",
         "props": {"deadline": "2024年12月底前", "text": "深化“放管服”改革" * 40}},
        {"id": "doc1#2", "label": "Task", "name": EVIL, "props": {"deadline": "长期坚持"}},
        {"id": "《优化营商环境条例》", "label": "Policy", "name": "《优化营商环境条例》",
         "props": {"issuer": "国务院", "year": 2019}},
        {"id": "440306", "label": "Place", "name": "宝安区", "props": {"level": "county"}},
        {"id": "440300", "label": "Place", "name": "深圳市", "props": {"level": "municipal"}},
        {"id": "doc1", "label": "Document", "name": "2024年宝安区深化改革工作要点",
         "props": {"year": 2024, "genre": "workplan"}},
        {"id": "o1", "label": "Outcome", "name": "精简177项", "props": {"value": 177.0, "unit": "项"}},
    ]
    edges = [
        {"source": "440306|深圳市宝安区发展和改革局", "target": "doc1#1", "type": "LEADS", "props": {"doc": "doc1"}},
        {"source": "440306|深圳市宝安区发展和改革局", "target": "doc1#2", "type": "LEADS",
         "props": {"doc": "doc1", "text": "</script><b>牵头</b>"}},
        {"source": "440306|区政务服务数据管理局", "target": "doc1#1", "type": "SUPPORTS", "props": {"doc": "doc1"}},
        {"source": "doc1#1", "target": "《优化营商环境条例》", "type": "CITES", "props": {"doc": "doc1"}},
        {"source": "440306|深圳市宝安区发展和改革局", "target": "440306", "type": "PART_OF", "props": {"doc": "doc1"}},
        {"source": "440306", "target": "440300", "type": "PART_OF", "props": {"doc": "doc1"}},
        {"source": "doc1", "target": "doc1#1", "type": "CONTAINS", "props": {"doc": "doc1", "order": 1}},
        {"source": "doc1", "target": "doc1#2", "type": "CONTAINS", "props": {"doc": "doc1", "order": 2}},
        {"source": "doc1#1", "target": "o1", "type": "HAS_OUTCOME", "props": {"doc": "doc1"}},
        {"source": "doc1", "target": "440306|深圳市宝安区发展和改革局", "type": "MENTIONS",
         "props": {"doc": "doc1", "start": 10, "end": 19}},
    ]
    return graph_from_rows(nodes, edges)


def big_graph(n_hubs: int = 5, n_leaves: int = 60) -> nx.MultiDiGraph:
    """Hubs (Units) each leading many leaf Tasks: hubs have the highest degree."""
    g = nx.MultiDiGraph()
    for h in range(n_hubs):
        g.add_node(f"u{h}", label="Unit", name=f"单位{h}")
    for i in range(n_leaves):
        g.add_node(f"t{i:03d}", label="Task", name=f"任务{i}")
        g.add_edge(f"u{i % n_hubs}", f"t{i:03d}", type="LEADS", doc="d")
    return g


class Page(HTMLParser):
    """Collects tags, attributes, <script>/<style> bodies of a page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self._raw: tuple[str, dict] | None = None
        self._buf: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs_d = dict(attrs)
        self.tags.append((tag, attrs_d))
        if tag in ("script", "style"):
            self._raw, self._buf = (tag, attrs_d), []

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._raw:
            self._buf.append(data)

    def handle_endtag(self, tag):
        if self._raw and tag == self._raw[0]:
            body = "".join(self._buf)
            if tag == "script":
                self.scripts.append((self._raw[1], body))
            else:
                self.styles.append(body)
            self._raw = None

    def first(self, tag, **match):
        for t, a in self.tags:
            if t == tag and all(a.get(k) == v for k, v in match.items()):
                return a
        return None

    def data(self) -> dict:
        return json.loads(next(b for a, b in self.scripts if a.get("id") == "kg-data"))


@pytest.fixture(scope="module")
def small_html(tmp_path_factory) -> tuple[Path, str]:
    path = render(small_graph(), tmp_path_factory.mktemp("viz") / "small.html",
                  title="宝安区 <改革> 任务图")
    return path, path.read_text("utf-8")


# ------------------------------------------------------------------------ (a) unit tests

REMOTE = re.compile(r"^\s*(https?:|//|ftp:|wss?:)", re.I)


def test_render_returns_absolute_utf8_file(small_html):
    path, text = small_html
    assert path.is_absolute() and path.suffix == ".html"
    raw = path.read_bytes()
    assert raw.decode("utf-8") == text
    assert text.startswith("<!DOCTYPE html>")
    assert text.rstrip().endswith("</html>")
    page = Page(text)
    assert page.tags[0][0] == "html"
    # <meta charset="utf-8"> is the first thing in <head>
    assert page.tags[1][0] == "head" and page.tags[2] == ("meta", {"charset": "utf-8"})


def test_no_external_resources(small_html):
    _, text = small_html
    page = Page(text)
    for tag, attrs in page.tags:
        for key in ("src", "href", "srcset", "data", "action", "poster", "background", "xlink:href"):
            value = attrs.get(key)
            if value is None:
                continue
            assert not REMOTE.match(value), f"<{tag} {key}={value!r}> points outside the page"
            # only data: URIs may be referenced at all (the favicon suppressor)
            assert value.startswith("data:"), f"<{tag} {key}={value!r}> references a file"
    assert all("src" not in attrs for attrs, _ in page.scripts), "scripts must be inline"
    assert not [a for t, a in page.tags if t == "link" and a.get("rel") == "stylesheet"]
    assert len(page.scripts) == 3  # data, vis-network, the view's own code
    for css in page.styles:
        assert "@import" not in css
        for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", css):
            assert url.startswith("data:"), f"CSS url({url[:40]}) is not inline"
    assert "sourceMappingURL" not in text
    # the libraries pyvis would fetch from CDNs are not referenced at all
    for cdn in ("cdnjs", "jsdelivr", "unpkg", "bootstrap", "tom-select", "googleapis"):
        assert cdn not in text.lower()


def test_csp_forbids_network_and_pins_the_inline_scripts(small_html):
    _, text = small_html
    page = Page(text)
    meta = page.first("meta", **{"http-equiv": "Content-Security-Policy"})
    assert meta is not None
    policy = dict((d.split()[0], d.split()[1:]) for d in meta["content"].split(";") if d.strip())
    assert policy["default-src"] == ["'none'"]
    assert "connect-src" not in policy  # falls back to default-src 'none'
    assert "'unsafe-inline'" not in policy["script-src"]
    executable = [body for attrs, body in page.scripts if attrs.get("type") != "application/json"]
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
              for b in executable}
    assert hashes == set(policy["script-src"])


def test_names_tooltips_and_escaping(small_html):
    _, text = small_html
    page = Page(text)
    data = page.data()
    by_id = {n["kg_id"]: n for n in data["nodes"]}
    # Chinese text is stored as is (UTF-8), not as \\u escapes
    assert "宝安区发展和改革局" in text and "《优化营商环境条例》" in text
    assert by_id["440306"]["label"] == "宝安区"
    assert by_id["doc1"]["shape"] == "box" and by_id["440306"]["shape"] == "triangleDown"
    # long names are shortened on the canvas, complete in the tooltip head
    assert by_id["doc1#1"]["label"].replace("\n", "") == "深化“放管服”改革，优化营商环境"
    tip = dict(by_id["440306|深圳市宝安区发展和改革局"]["tip"])
    assert tip["id"] == "440306|深圳市宝安区发展和改革局"
    assert tip["aliases"] == "区发展改革局、区发改局" and tip["kind"] == "government"
    assert dict(by_id["doc1#1"]["tip"])["text"].endswith("…")  # long values are cut
    # the hostile name survives as data, but never as markup
    evil = by_id["doc1#2"]
    assert evil["tip_head"].endswith(EVIL)
    assert EVIL not in text
    assert "<script>window" not in text and "<img src=x" not in text and "</script><b>" not in text
    assert [t for t, a in page.tags if t == "img"] == []
    assert len([t for t, _ in page.tags if t == "script"]) == 3
    assert "<title>宝安区 &lt;改革&gt; 任务图</title>" in text
    assert "<h1>宝安区 &lt;改革&gt; 任务图</h1>" in text
    # edges: label per type, colour from the style table, properties in the tooltip
    styles = load_styles()
    leads = [e for e in data["edges"] if e["kg_type"] == "LEADS"]
    assert len(leads) == 2 and all(e["label"] == "牵头" for e in leads)
    assert all(e["color"]["color"] == styles["edges"]["LEADS"]["color"] for e in leads)
    assert any(dict(e["tip"]).get("text") == "</script><b>牵头</b>" for e in leads)
    assert all(e["arrows"] == "to" for e in data["edges"])


def test_legend_and_counts(small_html):
    _, text = small_html
    page = Page(text)
    counts = page.first("p", id="kg-counts")
    assert counts == {"id": "kg-counts", "data-nodes": "9", "data-edges": "10"}
    assert "节点 Nodes <b>9</b> · 关系 Edges <b>10</b>" in text
    assert page.first("aside", id="kg-legend") is not None
    legend = text[text.index('<aside id="kg-legend"'):text.index("</aside>")]
    labels = re.findall(r'data-label="([^"]+)"', legend)
    assert labels == ["Document", "Task", "Outcome", "Unit", "Policy", "Place"]  # style-table order
    types = re.findall(r'data-type="([^"]+)"', legend)
    assert set(types) == {"LEADS", "SUPPORTS", "CITES", "HAS_OUTCOME", "CONTAINS", "PART_OF", "MENTIONS"}
    assert re.search(r'data-label="Unit">.*?单位</span><span class="kg-n">2</span>', legend)
    assert re.search(r'data-type="PART_OF">.*?隶属</span><span class="kg-n">2</span>', legend)
    assert page.first("p", id="kg-truncated") is None


def test_every_schema_label_and_type_has_a_style():
    schema = yaml.safe_load(resources.files("kg.schema").joinpath("schema.yaml").read_text("utf-8"))
    styles = load_styles()
    assert set(schema["nodes"]) <= set(styles["nodes"])
    assert set(schema["relationships"]) <= set(styles["edges"])
    colours = [s["color"] for k, s in styles["nodes"].items() if k != "default"]
    assert len(set(colours)) == len(colours), "labels must be told apart by colour"


def test_truncate_keeps_highest_degree_nodes():
    g = big_graph(n_hubs=5, n_leaves=60)  # 65 nodes, 60 edges
    cut = truncate(g, 20)
    assert cut.truncated and cut.dropped_nodes == 45
    assert {f"u{h}" for h in range(5)} <= set(cut.graph)
    assert cut.dropped_edges == 60 - cut.graph.number_of_edges() == 45
    assert truncate(g, 20).graph.nodes == cut.graph.nodes  # deterministic
    assert g.number_of_nodes() == 65  # input untouched
    same = truncate(g, 65)
    assert same.graph is g and not same.truncated
    assert truncate(g, None).graph is g
    with pytest.raises(ValueError):
        truncate(g, -1)


def test_render_truncates_large_graphs_and_says_so(tmp_path):
    g = big_graph(n_hubs=5, n_leaves=60)
    text = render(g, tmp_path / "big.html", title="大图", max_nodes=20).read_text("utf-8")
    page = Page(text)
    note = page.first("p", id="kg-truncated")
    assert note is not None
    assert note["data-dropped-nodes"] == "45" and note["data-dropped-edges"] == "45"
    assert note["data-total-nodes"] == "65"
    assert "省略 45 个节点" in text and "45 nodes and 45 edges were dropped" in text
    assert page.first("p", id="kg-counts")["data-nodes"] == "20"
    assert len(page.data()["nodes"]) == 20 and len(page.data()["edges"]) == 15


def test_default_limit_is_1500_nodes():
    assert MAX_NODES == 1500
    g = nx.MultiDiGraph()
    g.add_nodes_from((i, {"label": "Task", "name": f"任务{i}"}) for i in range(MAX_NODES + 7))
    page = Page(to_html(g, title="t"))
    assert page.first("p", id="kg-truncated")["data-dropped-nodes"] == "7"
    assert len(page.data()["nodes"]) == MAX_NODES


def test_options_physics_and_edge_labels():
    g = small_graph()
    data = Page(to_html(g, title="t", physics=False, edge_labels=False)).data()
    assert data["physics"] is False
    assert data["options"]["physics"]["enabled"] is True  # stabilise once, then freeze
    assert all("label" not in e for e in data["edges"])
    assert all("title" not in n for n in data["nodes"])  # tooltips are built in the page
    # parallel edges between one pair get distinct curves
    g.add_edge("doc1", "doc1#1", type="MENTIONS", doc="doc1")
    edges = Page(to_html(g, title="t")).data()["edges"]
    doc_task = [e for e in edges if e["kg_type"] in ("CONTAINS", "MENTIONS")
                and e["tip_head"].endswith("深化“放管服”改革，优化营商环境")]
    assert len(doc_task) == 2 and sum("smooth" in e for e in doc_task) == 1


def test_unknown_labels_types_and_odd_values_render():
    g = nx.MultiDiGraph()
    g.add_node(1, label="Gadget", name="未知", weight=float("nan"), tags={"b", "a"}, meta={"k": "值"})
    g.add_node("x", name=None)  # no label, no name: the id is shown
    g.add_edge(1, "x", type="WEIRD", flag=True)
    g.add_edge("x", "x")  # self-loop without a type
    page = Page(to_html(g, title="odd", height=600))
    data = page.data()
    one = next(n for n in data["nodes"] if n["kg_id"] == "1")
    assert dict(one["tip"]) == {"id": "1", "tags": "a、b", "meta": '{"k": "值"}'}
    assert one["color"]["background"] == load_styles()["nodes"]["default"]["color"]
    assert next(n for n in data["nodes"] if n["kg_id"] == "x")["label"] == "x"
    assert "#kg-network { height: 600px; }" in "".join(page.styles)
    assert 'data-label="(no label)"' in to_html(g, title="odd")


def test_empty_graph_and_bad_height(tmp_path):
    text = render(nx.MultiDiGraph(), tmp_path / "empty.html", title="空").read_text("utf-8")
    assert 'data-nodes="0" data-edges="0"' in text
    for bad in ("800px; background: url(http://example.com/x.png)", "100", "</style>"):
        with pytest.raises(ValueError):
            to_html(nx.MultiDiGraph(), title="t", height=bad)


def test_graph_from_rows():
    g = graph_from_rows(
        [{"id": "a", "label": "Unit", "name": "甲", "props": {"name": "ignored", "level": "county"}},
         {"id": "b", "label": "Task", "name": "乙", "props": None},
         {"id": "a", "label": "Unit", "name": "甲局", "props": {"kind": "government"}}],
        [{"source": "a", "target": "b", "type": "LEADS", "props": {"doc": "d1"}},
         {"source": "a", "target": "b", "type": "LEADS", "props": {"doc": "d2"}},
         {"source": "a", "target": "b", "type": "SUPPORTS"}],
    )
    assert isinstance(g, nx.MultiDiGraph)
    assert g.nodes["a"] == {"label": "Unit", "name": "甲局", "level": "county", "kind": "government"}
    assert g.nodes["b"] == {"label": "Task", "name": "乙"}
    assert sorted((d["type"], d.get("doc")) for _, _, d in g.edges(data=True)) == [
        ("LEADS", "d1"), ("LEADS", "d2"), ("SUPPORTS", None)]
    with pytest.raises(ValueError, match="not among the node rows"):
        graph_from_rows([{"id": "a", "label": "Unit", "name": "甲"}],
                        [{"source": "a", "target": "zz", "type": "LEADS"}])
    loose = graph_from_rows([{"id": "a", "label": "Unit", "name": "甲"}],
                            [{"source": "a", "target": "zz", "type": "LEADS"}], strict=False)
    assert loose.nodes["zz"] == {"label": None, "name": "zz"}
    with pytest.raises(ValueError):
        graph_from_rows([{"label": "Unit", "name": "no id"}], [])


def test_assets_are_package_data():
    assets = resources.files("kg.viz").joinpath("assets")
    names = {p.name for p in assets.iterdir()}
    assert {"vis-network.min.js", "vis-network.css", "vis-network.LICENSE.txt", "styles.yaml",
            "view.html", "view.js", "view.css"} <= names
    assert all(p.is_file() for p in assets.iterdir()), "package data is assets/* only: no sub-folders"
    assert "MIT License" in assets.joinpath("vis-network.LICENSE.txt").read_text("utf-8")


# ------------------------------------------------------------------------ (b) browser

CHROME_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-extensions", "--disable-breakpad",
    "--force-color-profile=srgb", "--hide-scrollbars", "--window-size=1400,1000",
    # any request that did leave the page would go to a closed local port
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
]

_PR_SET_CHILD_SUBREAPER = 36


def _subreaper(on: bool) -> bool:
    """Make this process adopt orphaned descendants (Linux), so the browser's
    double-forked helpers can be reaped and, if need be, killed by pid."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _browser_children() -> list[int]:
    """Pids of this process's children that are the browser, its helpers or its driver."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == me and "chrom" in comm:  # chromium, chrome_crashpad, chromedriver
            found.append(int(entry))
    return found


def _reap_browser(deadline: float = 15.0) -> list[int]:
    """Wait for (and reap) the browser processes this test process adopted; kill,
    by pid, any still running at the deadline.  Returns the pids that had to be killed."""
    killed: list[int] = []
    end = time.monotonic() + deadline
    while True:
        pids = _browser_children()
        for pid in pids:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        pids = _browser_children()
        if not pids:
            return killed
        if time.monotonic() > end:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    os.waitpid(pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
            return killed
        time.sleep(0.1)


@pytest.fixture(scope="module")
def driver():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        reason = f"{CHROMIUM} or {CHROMEDRIVER} is missing: run scripts/install-chromium"
        if os.environ.get("KG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"KG_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kg-viz-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    adopted = _subreaper(True)
    drv = None
    try:
        drv = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        # Second lock on the door: DevTools says the network is gone.
        drv.execute_cdp_cmd("Network.enable", {})
        drv.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        yield drv
    finally:
        try:
            if drv is not None:
                drv.quit()
        finally:
            if adopted:
                leftovers = _reap_browser()
                _subreaper(False)
                assert not leftovers, f"browser processes had to be killed: {leftovers}"
            shutil.rmtree(profile, ignore_errors=True)


def _open(drv, path: Path, expect_nodes: int, expect_edges: int, timeout: float = 60) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    drv.get_log("browser")  # drop messages from earlier pages
    drv.get(path.as_uri())
    WebDriverWait(drv, timeout, poll_frequency=0.2).until(lambda d: d.execute_script(
        "return typeof network !== 'undefined' && network !== null"
        " && network.body.data.nodes.length === arguments[0]"
        " && network.body.data.edges.length === arguments[1]"
        " && window.kgView.ready === true;", expect_nodes, expect_edges))


def _severe(drv) -> list[dict]:
    return [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]


def _png_pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes) with zlib:
    (width, height, rows of raw pixel bytes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        chunk = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
            bpp = 4 if ctype == 6 else 3
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if bpp == 4:
            line = bytearray(line)
            del line[3::4]  # drop alpha
        rows.append(bytes(line))
    return width, height, rows


def _histogram(rows: list[bytes]) -> Counter:
    return Counter(row[x:x + 3] for row in rows for x in range(0, len(row), 3))


def _colour_count(histogram: Counter, hex_colour: str, tolerance: int = 8) -> int:
    """Pixels within ``tolerance`` (per channel) of a colour."""
    target = bytes.fromhex(hex_colour.lstrip("#"))
    return sum(n for px, n in histogram.items()
               if all(abs(px[k] - target[k]) <= tolerance for k in range(3)))


@pytest.mark.browser
def test_view_draws_offline_in_headless_chromium(driver, tmp_path):
    graph = small_graph()
    path = render(graph, tmp_path / "view.html", title="宝安区改革任务图", height="700px")
    _open(driver, path, graph.number_of_nodes(), graph.number_of_edges())

    assert driver.execute_script("return window.location.protocol") == "file:"
    # nothing was fetched: no resource entries, no CSP violation, no console error
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert _severe(driver) == []
    # the injected markup never ran, and shows as text in the tooltip
    assert driver.execute_script("return window.__kg_pwned") is None
    tip = driver.execute_script(
        "var n = network.body.nodes[arguments[0]].options.title;"
        "return [n.textContent, n.querySelectorAll('script, img').length];",
        next(n["id"] for n in Page(path.read_text("utf-8")).data()["nodes"] if n["kg_id"] == "doc1#2"))
    assert EVIL in tip[0] and tip[1] == 0
    # the canvas exists, has a size, and every node got a position on it
    size = driver.execute_script(
        "var c = document.querySelector('#kg-network canvas'); if (!c) return null;"
        "var r = c.getBoundingClientRect(); return [r.width, r.height, c.width, c.height];")
    assert size and min(size) > 100, size
    positions = driver.execute_script("return network.getPositions();")
    assert len(positions) == graph.number_of_nodes()
    assert len({(round(p["x"]), round(p["y"])) for p in positions.values()}) == graph.number_of_nodes()
    assert driver.execute_script("return document.getElementById('kg-status').hidden") is True

    # photographs: the whole page for people, the canvas for the checks
    shot = tmp_path / "view.png"
    assert driver.save_screenshot(str(shot))
    canvas = driver.find_element("css selector", "#kg-network canvas")
    width, height, rows = _png_pixels(canvas.screenshot_as_png)
    assert width > 100 and height > 100
    histogram = _histogram(rows)
    assert len(histogram) > 20, "the canvas is (nearly) blank"
    assert histogram.most_common(1)[0][1] < 0.98 * width * height, "the canvas is (nearly) blank"
    styles = load_styles()["nodes"]
    for label in ("Unit", "Task", "Place", "Document"):  # node fills drawn in their colours
        assert _colour_count(histogram, styles[label]["color"]) > 30, label
    if os.environ.get("KG_VIZ_SHOTS"):  # keep the screenshots to look at
        out = Path(os.environ["KG_VIZ_SHOTS"])
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, out / "view.png")
        shutil.copy(path, out / "view.html")


@pytest.mark.browser
def test_truncated_frozen_view_in_headless_chromium(driver, tmp_path):
    graph = big_graph(n_hubs=6, n_leaves=120)
    path = render(graph, tmp_path / "big.html", title="截断视图", max_nodes=50, physics=False)
    _open(driver, path, 50, 44)
    assert _severe(driver) == []
    assert driver.execute_script("return network.physics.options.enabled") is False
    note = driver.execute_script("return document.getElementById('kg-truncated').textContent")
    assert "省略 76 个节点" in note
    shown = driver.execute_script("return network.body.data.nodes.get().map(function (n) { return n.kg_id; })")
    assert {f"u{h}" for h in range(6)} <= set(shown)
