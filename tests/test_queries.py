"""The query pack: header parsing, parameter binding, and every shipped query run against
a real embedded FalkorDB loaded with a small hand-built graph."""

from __future__ import annotations

import pytest

from kg.errors import QueryError
from kg.queries import Param, Query, bind, get_query, load_pack, parse_query, run_query
from kg.records import GraphBatch, NodeRecord, RelRecord
from kg.stores.falkor import FalkorStore

# ---------------------------------------------------------------------------------
# header parsing
# ---------------------------------------------------------------------------------

GOOD = """
// name: sample_query
// description: First line of the description,
// description: and its second line.
// A free comment line without a key is fine.
// param: unit (string, default "区财政局") — canonical unit name or alias
// param: limit (integer, default 50)
// param: ratio (float, default 0.5) -- a float
// param: flag (boolean, default false) - a flag
// param: names (list, default ["a", "b"]) — several names
// param: since (date, default "2024-01-01") — an ISO date
// param: doc (string, default null) — optional, no value
// param: required_one (string) — no default: required
MATCH (u:Unit {name: $unit}) WHERE $flag OR $ratio > 0 OR u.id IN $names OR $since > '' OR $doc IS NULL
  OR u.id = $required_one
RETURN u.name AS name, '$notaparam' AS s // trailing $comment is not a param either
LIMIT $limit
"""


def test_parse_good_header():
    q = parse_query(GOOD, "good.cypher")
    assert q.name == "sample_query"
    assert q.description == "First line of the description, and its second line."
    assert q.path == "good.cypher"
    assert q.cypher.startswith("MATCH (u:Unit")
    assert q.cypher.rstrip().endswith("LIMIT $limit")
    assert [p.name for p in q.params] == ["unit", "limit", "ratio", "flag", "names", "since", "doc", "required_one"]
    assert q.param("unit") == Param("unit", "string", "区财政局", "canonical unit name or alias", False)
    assert q.param("limit") == Param("limit", "integer", 50, "", False)
    assert q.param("ratio") == Param("ratio", "float", 0.5, "a float", False)
    assert q.param("flag") == Param("flag", "boolean", False, "a flag", False)
    assert q.param("names") == Param("names", "list", ("a", "b"), "several names", False)
    assert q.param("since") == Param("since", "date", "2024-01-01", "an ISO date", False)
    assert q.param("doc") == Param("doc", "string", None, "optional, no value", False)
    assert q.param("required_one") == Param("required_one", "string", None, "no default: required", True)
    hash(q)  # frozen and hashable
    with pytest.raises(QueryError, match="no parameter 'nope'"):
        q.param("nope")


def _q(header: str, cypher: str = "RETURN 1 AS one") -> str:
    return header + "\n" + cypher + "\n"


@pytest.mark.parametrize(
    "text, message",
    [
        (_q("// description: d"), "no '// name:' line"),
        (_q("// name: q"), "no '// description:' line"),
        (_q("// name: Bad-Name\n// description: d"), "bad query name"),
        (_q("// name: q\n// name: r\n// description: d"), "second 'name' line"),
        (_q("// name: q\n// description: d\n// parm: x (string)"), "unknown header key 'parm'"),
        (_q("// name: q\n// description: d\n// param: x string", "RETURN $x AS x"), "malformed param line"),
        (_q("// name: q\n// description: d\n// param: x (text)", "RETURN $x AS x"), "unknown type 'text'"),
        (_q("// name: q\n// description: d\n// param: x (string, default 区财政局)", "RETURN $x AS x"),
         "not a JSON literal"),
        (_q("// name: q\n// description: d\n// param: x (integer, default \"5\")", "RETURN $x AS x"),
         "expected an integer"),
        (_q("// name: q\n// description: d\n// param: x (boolean, default 1)", "RETURN $x AS x"),
         "expected true or false"),
        (_q("// name: q\n// description: d\n// param: x (date, default \"2024/01/01\")", "RETURN $x AS x"),
         "ISO date"),
        (_q("// name: q\n// description: d\n// param: x (list, default [1, 2])", "RETURN $x AS x"),
         "list of strings"),
        (_q("// name: q\n// description: d\n// param: 1x (string)", "RETURN 1"), "bad parameter name"),
        (_q("// name: q\n// description: d\n// param: x (string)\n// param: x (integer)", "RETURN $x AS x"),
         "declared twice"),
        (_q("// name: q\n// description: d", "RETURN $x AS x"), "undeclared parameter(s) x"),
        (_q("// name: q\n// description: d\n// param: x (string)", "RETURN 1 AS one"),
         "declared but unused parameter(s) x"),
        (_q("// name: q\n// description: d", ""), "no Cypher after the header"),
        (_q("// name: q\n// description: d", "MATCH (n) DETACH DELETE n"), "read-only"),
        (_q("// name: q\n// description: d", "MERGE (n:Unit {id: 'x'}) RETURN n.id AS id"), "read-only"),
        (_q("// name: q\n// description: d", "MATCH (n) SET n.x = 1 RETURN n.x AS x"), "read-only"),
    ],
)
def test_malformed_files(text, message):
    with pytest.raises(QueryError) as e:
        parse_query(text, "bad.cypher")
    assert message in str(e.value)
    assert "bad.cypher" in str(e.value)


def test_keywords_inside_strings_are_not_writes():
    q = parse_query(_q("// name: q\n// description: d", "RETURN 'CREATE or SET' AS s"))
    assert q.params == ()


def test_comments_and_strings_are_not_scanned():
    text = _q("// name: q\n// description: d\n// param: x (string)",
              "MATCH (n) // it's $y, and CREATE here is only a comment\n"
              "WHERE n.id = $x /* SET $z */ RETURN 'a\\'$w' AS s, `CREATE` AS c")
    q = parse_query(text)
    assert [p.name for p in q.params] == ["x"]


def test_load_pack_from_directory(tmp_path):
    (tmp_path / "a.cypher").write_text(_q("// name: alpha\n// description: d"), encoding="utf-8")
    (tmp_path / "b.cypher").write_text(_q("// name: beta\n// description: d"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    pack = load_pack(tmp_path)
    assert isinstance(pack, tuple)
    assert [q.name for q in pack] == ["alpha", "beta"]
    assert pack[0].path.endswith("a.cypher")
    assert get_query("beta", pack) is pack[1]
    (tmp_path / "c.cypher").write_text(_q("// name: alpha\n// description: again"), encoding="utf-8")
    with pytest.raises(QueryError, match="already used"):
        load_pack(tmp_path)
    with pytest.raises(QueryError, match="not a directory"):
        load_pack(tmp_path / "missing")


def test_shipped_pack():
    pack = load_pack()
    assert len(pack) >= 6
    names = [q.name for q in pack]
    assert names == sorted(set(names))
    for q in pack:
        assert isinstance(q, Query) and q.description and q.cypher
        assert q.path.endswith(".cypher")
    assert load_pack() is load_pack()  # parsed once


def test_get_query_unknown_lists_known_names():
    assert get_query("unit_tasks").name == "unit_tasks"
    with pytest.raises(QueryError) as e:
        get_query("no_such_query")
    msg = str(e.value)
    assert "no_such_query" in msg
    for q in load_pack():
        assert q.name in msg


# ---------------------------------------------------------------------------------
# binding
# ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Query:
    return parse_query(GOOD, "good.cypher")


def test_bind_defaults(sample):
    params = bind(sample, {"required_one": "x"})
    assert params == {"unit": "区财政局", "limit": 50, "ratio": 0.5, "flag": False, "names": ["a", "b"],
                      "since": "2024-01-01", "doc": None, "required_one": "x"}
    assert isinstance(params["names"], list)
    params["names"].append("c")  # the caller's copy; the default is untouched
    assert bind(sample, {"required_one": "x"})["names"] == ["a", "b"]


def test_bind_converts_cli_strings(sample):
    params = bind(sample, {"unit": " 区发展改革委 ", "limit": "7", "ratio": "2.5e-1", "flag": "Yes",
                           "names": "甲, 乙,,丙 ", "since": "2023-12-31", "doc": "docA", "required_one": ""})
    assert params == {"unit": " 区发展改革委 ", "limit": 7, "ratio": 0.25, "flag": True, "names": ["甲", "乙", "丙"],
                      "since": "2023-12-31", "doc": "docA", "required_one": ""}
    assert bind(sample, {"flag": "off", "limit": "-3", "names": "", "required_one": "x"})["flag"] is False
    assert bind(sample, {"limit": "+3", "required_one": "x"})["limit"] == 3
    assert bind(sample, {"names": "", "required_one": "x"})["names"] == []


def test_bind_accepts_typed_values(sample):
    params = bind(sample, {"limit": 3, "flag": True, "names": ("x",), "ratio": 1, "required_one": "x"})
    assert (params["limit"], params["flag"], params["names"], params["ratio"]) == (3, True, ["x"], 1.0)
    assert isinstance(params["ratio"], float)


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"limit": "ten"}, "expected an integer"),
        ({"limit": "1.5"}, "expected an integer"),
        ({"limit": "99999999999999999999"}, "64 bits"),
        ({"ratio": "abc"}, "expected a number"),
        ({"ratio": "nan"}, "finite"),
        ({"flag": "maybe"}, "expected true or false"),
        ({"since": "31.12.2024"}, "ISO date"),
        ({"limit": True}, "expected an integer"),
        ({"names": [1, 2]}, "list of strings"),
        ({"colour": "red"}, "unknown parameter(s) colour"),
    ],
)
def test_bind_rejects(sample, raw, message):
    with pytest.raises(QueryError) as e:
        bind(sample, {"required_one": "x", **raw})
    assert message in str(e.value)


def test_bind_unknown_lists_parameters(sample):
    with pytest.raises(QueryError) as e:
        bind(sample, {"required_one": "x", "colour": "red", "size": "1"})
    assert "colour, size" in str(e.value)
    assert "unit, limit, ratio" in str(e.value)


def test_bind_required(sample):
    with pytest.raises(QueryError, match="required_one .string. is required"):
        bind(sample, {})


# ---------------------------------------------------------------------------------
# the pack against a real store
# ---------------------------------------------------------------------------------

FIN = "310101|区财政局"
FIN_TREASURY = "310101|区财政局国库科"
DRC = "310101|区发展改革委"
MKT = "310101|区市场监管局"
STREETS = "310101|各街道"
ZHANG = "310101|张三"
HP = "310101"
SH = "310000"


def N(label, key, **props):
    return NodeRecord(label, key, props)


def R(rtype, s, sk, e, ek, **props):
    return RelRecord(rtype, s, sk, e, ek, props)


def doc_a() -> GraphBatch:
    d = "docA"
    nodes = (
        N("Document", d, title="2024年深化改革工作要点", date="2024-03-01", year=2024, genre="workplan"),
        N("Task", f"{d}#1", number="1", title="推进预算管理改革", text="推进预算管理改革", start=10, end=40,
          deadline="6月底前", deadline_date="2024-06-30", section="一、"),
        N("Task", f"{d}#2", number="2", title="优化营商环境", text="优化营商环境", start=50, end=80,
          deadline="年底前", deadline_date="2024-12-31", section="一、"),
        N("Task", f"{d}#3", number="3", title="加强国库集中支付", text="加强国库集中支付", start=90, end=120, section="二、"),
        N("Outcome", f"{d}#o1", text="精简177项", metric="精简", value=177, unit="项", masked=False, start=30, end=36,
          rank="数量全省第一"),
        N("Outcome", f"{d}#o2", text="压缩90-92%", metric="压缩", value=90.0, value_max=92.0, unit="%", masked=False,
          start=70, end=78),
        N("Outcome", f"{d}#o3", text="精简*项", metric="精简", value=None, unit="项", masked=True, start=76, end=80),
        N("Unit", FIN, name="区财政局", kind="government", level="county", jurisdiction=HP),
        N("Unit", FIN_TREASURY, name="区财政局国库科", kind="government", level="county", jurisdiction=HP),
        N("Unit", DRC, name="区发展改革委", kind="government", level="county", jurisdiction=HP),
        N("Unit", MKT, name="区市场监管局", kind="government", level="county", jurisdiction=HP),
        N("Collective", STREETS, name="各街道", jurisdiction=HP),
        N("Person", ZHANG, name="张三", jurisdiction=HP, roles=["副区长"]),
        N("Place", HP, name="黄浦区", level="county", adcode=HP),
        N("Place", SH, name="上海市", level="provincial", adcode=SH),
        N("Policy", "预算法", title="中华人民共和国预算法"),
        N("Policy", "优化营商环境条例", title="优化营商环境条例", issuer="国务院", year=2019, doc_number="国令第722号"),
    )
    rels = (
        R("CONTAINS", "Document", d, "Task", f"{d}#1", doc=d, order=1),
        R("CONTAINS", "Document", d, "Task", f"{d}#2", doc=d, order=2),
        R("CONTAINS", "Document", d, "Task", f"{d}#3", doc=d, order=3),
        R("LEADS", "Unit", FIN, "Task", f"{d}#1", doc=d, role="lead"),
        R("SUPPORTS", "Unit", DRC, "Task", f"{d}#1", doc=d, role="support"),
        R("LEADS", "Unit", MKT, "Task", f"{d}#2", doc=d, role="lead"),
        R("LEADS", "Person", ZHANG, "Task", f"{d}#2", doc=d, role="lead_person"),
        R("SUPPORTS", "Unit", FIN, "Task", f"{d}#2", doc=d),
        R("SUPPORTS", "Unit", DRC, "Task", f"{d}#2", doc=d),
        R("SUPPORTS", "Collective", STREETS, "Task", f"{d}#2", doc=d),
        R("LEADS", "Unit", FIN_TREASURY, "Task", f"{d}#3", doc=d),
        R("SUPPORTS", "Unit", FIN, "Task", f"{d}#3", doc=d),
        R("CITES", "Task", f"{d}#1", "Policy", "预算法", doc=d, text="《预算法》", start=12, end=17),
        R("CITES", "Document", d, "Policy", "预算法", doc=d, text="《预算法》", start=2, end=7),
        R("CITES", "Task", f"{d}#2", "Policy", "优化营商环境条例", doc=d, text="《优化营商环境条例》", start=52, end=62),
        R("HAS_OUTCOME", "Task", f"{d}#1", "Outcome", f"{d}#o1", doc=d),
        R("HAS_OUTCOME", "Task", f"{d}#2", "Outcome", f"{d}#o2", doc=d),
        R("HAS_OUTCOME", "Task", f"{d}#2", "Outcome", f"{d}#o3", doc=d),
        R("PART_OF", "Unit", FIN, "Place", HP, doc=d),
        R("PART_OF", "Unit", DRC, "Place", HP, doc=d),
        R("PART_OF", "Unit", MKT, "Place", HP, doc=d),
        R("PART_OF", "Unit", FIN_TREASURY, "Unit", FIN, doc=d),
        R("PART_OF", "Collective", STREETS, "Place", HP, doc=d),
        R("PART_OF", "Place", HP, "Place", SH, doc=d),
        R("MENTIONS", "Document", d, "Unit", FIN, doc=d, text="区财政局", start=20, end=24),
        R("MENTIONS", "Document", d, "Unit", FIN, doc=d, text="财政局", start=60, end=63),
        R("MENTIONS", "Document", d, "Unit", MKT, doc=d, text="市场监管局", start=55, end=60),
        R("MENTIONS", "Document", d, "Policy", "预算法", doc=d, text="《预算法》", start=12, end=17),
    )
    return GraphBatch(d, "hash-docA", nodes, rels)


def doc_b() -> GraphBatch:
    d = "docB"
    nodes = (
        N("Document", d, title="2024年工作总结", date="2024-12-20", year=2024, genre="summary"),
        N("Task", f"{d}#1", number="1", title="完成预算绩效评价", text="完成预算绩效评价", start=5, end=30,
          deadline="11月底前", deadline_date="2024-11-30"),
        N("Task", f"{d}#2", number="2", title="开展街道财政培训", text="开展街道财政培训", start=40, end=60),
        N("Outcome", f"{d}#o1", text="完成35个", metric="完成", value=35.0, unit="个", masked=False, start=20, end=25),
        N("Unit", FIN, name="区财政局", kind="government", level="county", jurisdiction=HP),
        N("Unit", DRC, name="区发展改革委", kind="government", level="county", jurisdiction=HP),
        N("Collective", STREETS, name="各街道", jurisdiction=HP),
        N("Place", HP, name="黄浦区", level="county", adcode=HP),
        N("Policy", "预算法", title="中华人民共和国预算法"),
    )
    rels = (
        R("CONTAINS", "Document", d, "Task", f"{d}#1", doc=d, order=1),
        R("CONTAINS", "Document", d, "Task", f"{d}#2", doc=d, order=2),
        R("LEADS", "Unit", FIN, "Task", f"{d}#1", doc=d),
        R("SUPPORTS", "Unit", DRC, "Task", f"{d}#1", doc=d),
        R("LEADS", "Collective", STREETS, "Task", f"{d}#2", doc=d),
        R("SUPPORTS", "Unit", FIN, "Task", f"{d}#2", doc=d),
        R("CITES", "Task", f"{d}#1", "Policy", "预算法", doc=d, text="预算法", start=8, end=11),
        R("HAS_OUTCOME", "Task", f"{d}#1", "Outcome", f"{d}#o1", doc=d),
        R("PART_OF", "Unit", FIN, "Place", HP, doc=d),  # a second, parallel PART_OF edge
        R("MENTIONS", "Document", d, "Unit", FIN, doc=d, text="黄浦区财政局", start=1, end=7),
    )
    return GraphBatch(d, "hash-docB", nodes, rels)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with FalkorStore.open(tmp_path_factory.mktemp("q") / "kg") as st:
        assert st.write_document(doc_a()).status == "written"
        assert st.write_document(doc_b()).status == "written"
        yield st


def run(store, name, **raw):
    return run_query(store, name, {k: str(v) for k, v in raw.items()})


COVERED: set[str] = set()


def covers(name):
    def mark(fn):
        COVERED.add(name)
        return fn
    return mark


@covers("overview_counts")
def test_overview_counts(store):
    rows = run(store, "overview_counts")
    assert rows == [
        {"document": "docA", "title": "2024年深化改革工作要点", "date": "2024-03-01", "genre": "workplan",
         "tasks": 3, "units": 4, "policies": 2, "outcomes": 3},
        {"document": "docB", "title": "2024年工作总结", "date": "2024-12-20", "genre": "summary",
         "tasks": 2, "units": 2, "policies": 1, "outcomes": 1},
    ]
    assert run(store, "overview_counts", doc="docB") == rows[1:]
    assert run(store, "overview_counts", doc="nope") == []


def _ut(role, doc, doc_title, task, title, deadline=None, due=None):
    return {"unit_id": FIN, "unit": "区财政局", "role": role, "document": doc, "document_title": doc_title,
            "task": task, "title": title, "deadline": deadline, "deadline_date": due}


@covers("unit_tasks")
def test_unit_tasks(store):
    a, b = "2024年深化改革工作要点", "2024年工作总结"
    expected = [
        _ut("lead", "docA", a, "docA#1", "推进预算管理改革", "6月底前", "2024-06-30"),
        _ut("support", "docA", a, "docA#2", "优化营商环境", "年底前", "2024-12-31"),
        _ut("support", "docA", a, "docA#3", "加强国库集中支付"),
        _ut("lead", "docB", b, "docB#1", "完成预算绩效评价", "11月底前", "2024-11-30"),
        _ut("support", "docB", b, "docB#2", "开展街道财政培训"),
    ]
    assert run(store, "unit_tasks") == expected                      # default: 区财政局
    assert run(store, "unit_tasks", unit="黄浦区财政局") == expected   # by alias (a MENTIONS text)
    assert run(store, "unit_tasks", unit=FIN) == expected             # by id
    assert run(store, "unit_tasks", role="lead") == [expected[0], expected[3]]
    assert run(store, "unit_tasks", role="support", limit=2) == [expected[1], expected[2]]
    assert run(store, "unit_tasks", unit="区教育局") == []
    # a value that would break string-built Cypher is just a value
    assert run(store, "unit_tasks", unit="x' OR 1=1 //") == []


@covers("top_lead_units")
def test_top_lead_units(store):
    units = [
        {"unit_id": FIN, "unit": "区财政局", "kind": "Unit", "jurisdiction": HP, "tasks": 2, "documents": 2},
        {"unit_id": MKT, "unit": "区市场监管局", "kind": "Unit", "jurisdiction": HP, "tasks": 1, "documents": 1},
        {"unit_id": FIN_TREASURY, "unit": "区财政局国库科", "kind": "Unit", "jurisdiction": HP, "tasks": 1,
         "documents": 1},
    ]
    assert run(store, "top_lead_units") == units
    streets = {"unit_id": STREETS, "unit": "各街道", "kind": "Collective", "jurisdiction": HP, "tasks": 1,
               "documents": 1}
    assert run(store, "top_lead_units", include_collective="true") == units + [streets]
    assert run(store, "top_lead_units", include_collective="true", limit=1) == units[:1]


@covers("co_responsibility")
def test_co_responsibility(store):
    top = {"unit_a_id": DRC, "unit_a": "区发展改革委", "unit_b_id": FIN, "unit_b": "区财政局", "shared": 3,
           "tasks": ["docA#1", "docA#2", "docB#1"]}
    assert run(store, "co_responsibility") == [top]
    assert run(store, "co_responsibility", min_shared=1) == [
        top,
        {"unit_a_id": DRC, "unit_a": "区发展改革委", "unit_b_id": MKT, "unit_b": "区市场监管局", "shared": 1,
         "tasks": ["docA#2"]},
        {"unit_a_id": MKT, "unit_a": "区市场监管局", "unit_b_id": FIN, "unit_b": "区财政局", "shared": 1,
         "tasks": ["docA#2"]},
        {"unit_a_id": FIN, "unit_a": "区财政局", "unit_b_id": FIN_TREASURY, "unit_b": "区财政局国库科", "shared": 1,
         "tasks": ["docA#3"]},
    ]
    assert len(run(store, "co_responsibility", min_shared=1, limit=2)) == 2
    assert run(store, "co_responsibility", min_shared=4) == []


@covers("policy_citations")
def test_policy_citations(store):
    budget = {"policy": "预算法", "title": "中华人民共和国预算法", "issuer": None, "year": None, "doc_number": None,
              "citations": 3, "document_count": 2, "documents": ["docA", "docB"], "tasks": ["docA#1", "docB#1"]}
    business = {"policy": "优化营商环境条例", "title": "优化营商环境条例", "issuer": "国务院", "year": 2019,
                "doc_number": "国令第722号", "citations": 1, "document_count": 1, "documents": ["docA"],
                "tasks": ["docA#2"]}
    assert run(store, "policy_citations") == [budget, business]
    assert run(store, "policy_citations", policy="《预算法》") == [budget]          # alias
    assert run(store, "policy_citations", policy="中华人民共和国预算法") == [budget]  # title
    assert run(store, "policy_citations", limit=1) == [budget]


@covers("outcomes_by_task")
def test_outcomes_by_task(store):
    o1 = {"document": "docA", "task": "docA#1", "title": "推进预算管理改革", "outcome_id": "docA#o1",
          "outcome": "精简177项", "metric": "精简", "value": 177.0, "value_max": None, "unit": "项", "masked": False,
          "rank": "数量全省第一"}
    o2 = {"document": "docA", "task": "docA#2", "title": "优化营商环境", "outcome_id": "docA#o2",
          "outcome": "压缩90-92%", "metric": "压缩", "value": 90.0, "value_max": 92.0, "unit": "%", "masked": False,
          "rank": None}
    o3 = {"document": "docA", "task": "docA#2", "title": "优化营商环境", "outcome_id": "docA#o3",
          "outcome": "精简*项", "metric": "精简", "value": None, "value_max": None, "unit": "项", "masked": True,
          "rank": None}
    b1 = {"document": "docB", "task": "docB#1", "title": "完成预算绩效评价", "outcome_id": "docB#o1",
          "outcome": "完成35个", "metric": "完成", "value": 35.0, "value_max": None, "unit": "个", "masked": False,
          "rank": None}
    rows = run(store, "outcomes_by_task")
    assert rows == [o1, o2, o3, b1]
    assert all(isinstance(r["value"], float) for r in rows if r["value"] is not None)
    assert run(store, "outcomes_by_task", metric="精简") == [o1, o3]
    assert run(store, "outcomes_by_task", doc="docB") == [b1]
    assert run(store, "outcomes_by_task", doc="docA", metric="完成") == []


@covers("deadlines")
def test_deadlines(store):
    a1 = {"due": "2024-06-30", "deadline": "6月底前", "task": "docA#1", "title": "推进预算管理改革",
          "document": "docA", "leads": ["区财政局"]}
    b1 = {"due": "2024-11-30", "deadline": "11月底前", "task": "docB#1", "title": "完成预算绩效评价",
          "document": "docB", "leads": ["区财政局"]}
    a2 = {"due": "2024-12-31", "deadline": "年底前", "task": "docA#2", "title": "优化营商环境",
          "document": "docA", "leads": ["区市场监管局", "张三"]}
    assert run(store, "deadlines") == [a1, b1, a2]
    assert run(store, "deadlines", **{"from": "2024-07-01", "to": "2024-12-01"}) == [b1]
    assert run(store, "deadlines", **{"from": "2024-11-30", "to": "2024-11-30"}) == [b1]  # inclusive
    assert run(store, "deadlines", **{"to": "2024-01-01"}) == []
    with pytest.raises(QueryError, match="ISO date"):
        run(store, "deadlines", **{"from": "2024年7月"})


@covers("unit_hierarchy")
def test_unit_hierarchy(store):
    def row(unit_id, unit, depth, kind, aid, name, level):
        return {"unit_id": unit_id, "unit": unit, "depth": depth, "kind": kind, "ancestor_id": aid,
                "ancestor": name, "level": level}

    assert run(store, "unit_hierarchy") == [  # two parallel PART_OF edges to 黄浦区 give one row
        row(FIN, "区财政局", 1, "Place", HP, "黄浦区", "county"),
        row(FIN, "区财政局", 2, "Place", SH, "上海市", "provincial"),
    ]
    assert run(store, "unit_hierarchy", unit="区财政局国库科") == [
        row(FIN_TREASURY, "区财政局国库科", 1, "Unit", FIN, "区财政局", "county"),
        row(FIN_TREASURY, "区财政局国库科", 2, "Place", HP, "黄浦区", "county"),
        row(FIN_TREASURY, "区财政局国库科", 3, "Place", SH, "上海市", "provincial"),
    ]
    assert run(store, "unit_hierarchy", unit="区教育局") == []


@covers("document_tasks")
def test_document_tasks(store):
    assert run(store, "document_tasks", doc="docA") == [
        {"task": "docA#1", "number": "1", "title": "推进预算管理改革", "deadline": "6月底前",
         "leads": ["区财政局"], "supports": ["区发展改革委"], "cites": ["预算法"], "outcomes": 1},
        {"task": "docA#2", "number": "2", "title": "优化营商环境", "deadline": "年底前",
         "leads": ["区市场监管局", "张三"], "supports": ["区发展改革委", "区财政局", "各街道"],
         "cites": ["优化营商环境条例"], "outcomes": 2},
        {"task": "docA#3", "number": "3", "title": "加强国库集中支付", "deadline": None,
         "leads": ["区财政局国库科"], "supports": ["区财政局"], "cites": [], "outcomes": 0},
    ]
    assert [r["task"] for r in run(store, "document_tasks", doc="docB")] == ["docB#1", "docB#2"]
    with pytest.raises(QueryError, match="doc .string. is required"):
        run(store, "document_tasks")


def test_every_pack_query_is_tested():
    assert {q.name for q in load_pack()} == COVERED


def test_pack_queries_are_stable(store):
    """Same rows, same order, on every run (no reliance on incidental store order)."""
    for q in load_pack():
        raw = {"doc": "docA"} if any(p.required for p in q.params) else {}
        first = run_query(store, q.name, raw)
        assert first == run_query(store, q.name, raw), q.name
        assert all(not isinstance(v, dict) or "_labels" not in v for row in first for v in row.values()), q.name


@covers("unit_review")
def test_unit_review(store):
    def row(uid, name, aliases, parents, documents, mentions):
        return {"unit_id": uid, "unit": name, "kind": "government", "level": "county", "jurisdiction": HP,
                "aliases": aliases, "parents": parents, "documents": documents, "mentions": mentions}

    # each surface form with how often the documents used it
    fin = row(FIN, "区财政局", ["区财政局 ×1", "财政局 ×1", "黄浦区财政局 ×1"], ["黄浦区"], ["docA", "docB"], 3)
    treasury = row(FIN_TREASURY, "区财政局国库科", [], ["区财政局"], [], 0)
    drc = row(DRC, "区发展改革委", [], ["黄浦区"], [], 0)
    mkt = row(MKT, "区市场监管局", ["市场监管局 ×1"], ["黄浦区"], ["docA"], 1)
    assert run(store, "unit_review") == [drc, mkt, fin, treasury]  # code point order of the ids
    assert run(store, "unit_review", contains="财政") == [fin, treasury]
    assert run(store, "unit_review", contains="黄浦区财") == [fin]  # via an alias only
    assert run(store, "unit_review", contains="教育") == []
