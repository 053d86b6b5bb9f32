import pytest

from kg.extract.pipeline import extract
from kg.pipeline import process_source
from kg.resolve import Corrections, canonical_names, resolve
from kg.segment import segment
from tests.conftest import SEED_003, source


@pytest.fixture(scope="module")
def seed003():
    ex = extract(segment(source(SEED_003.read_text(encoding="utf-8"), str(SEED_003))))
    return ex, resolve(ex)


def canon_of(ex, rd):
    names = canonical_names(rd)
    out = {}
    for m in list(ex.units) + [u for t in ex.tasks for u in t.lead_units + t.support_units]:
        out.setdefault(m.text, names[(m.span.start, m.span.end, m.label)])
    return out


def test_jurisdiction_from_the_document(seed003):
    ex, rd = seed003
    assert rd.jurisdiction == "650502"            # 伊州区
    assert rd.entities["650502"].name == "伊州区"
    assert ("Place", "650500") in rd.entities["650502"].parents


def test_same_body_one_canonical(seed003):
    c = canon_of(*seed003)
    assert c["区财政局"] == c["财政局"] == c["财政局(国资委"] == "伊州区财政局"
    assert c["区发改委"] == c["发改委"] == "伊州区发展和改革委员会"
    assert c["区市场监督管理局"] == c["区市场监管局"] == c["市场监管局"]
    assert c["区政府办(区政务服务中心)"] == c["区政府办(政务服务中心)"] == "伊州区人民政府办公室"
    assert c["区直各部门(单位)"] == c["区直部门(单位)"]
    assert c["公安局"] == "伊州区公安局"          # not 公安县


def test_branch_office_belongs_to_the_city_bureau(seed003):
    ex, rd = seed003
    c = canon_of(ex, rd)
    assert c["市自然资源局伊州分局"] == c["自然资源局伊州分局"] == "哈密市自然资源局伊州分局"
    assert c["市生态环境\n\n局伊州分局"] == c["市生态环境局伊州分局"]
    branch = next(e for e in rd.entities.values() if e.name == "哈密市自然资源局伊州分局")
    assert ("Unit", "650500|哈密市自然资源局") in branch.parents
    assert branch.props["jurisdiction"] == "650500"


def test_collectives_are_their_own_kind(seed003):
    ex, rd = seed003
    col = [e for e in rd.entities.values() if e.label == "Collective"]
    # 区直各相关部门(单位): 各, 直 and 相关 say nothing the jurisdiction does not
    assert {"伊州区有关部门(单位)", "伊州区各部门(单位)"} <= {e.name for e in col}
    assert all(e.props["kind"] == "collective" for e in col)


def test_another_districts_bureau_is_another_node():
    a = process_source(source("伊州区人民政府\n关于印发工作方案的通知\n1.推进改革。\n牵头单位:区财政局\n", "a.txt"))
    b = process_source(source("巴里坤哈萨克自治县人民政府\n关于印发工作方案的通知\n1.推进改革。\n牵头单位:县财政局\n", "b.txt"))
    ida = a.resolved.links[next(k for k in a.resolved.links if k[2] == "UNIT" and "财政" in a.source.text[k[0]:k[1]])]
    idb = b.resolved.links[next(k for k in b.resolved.links if k[2] == "UNIT" and "财政" in b.source.text[k[0]:k[1]])]
    assert ida != idb and ida.endswith("伊州区财政局")


def test_corrections_file(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("aliases:\n  - mention: 区政府232办公室\n    canonical: 伊州区人民政府办公室\n    jurisdiction: 伊州区\n",
                 encoding="utf-8")
    corr = Corrections.load(f)
    text = "伊州区人民政府\n关于印发工作方案的通知\n1.推进改革。\n牵头单位:区政府232办公室\n"
    p = process_source(source(text), corr)
    names = canonical_names(p.resolved)
    lead = p.extraction.tasks[0].lead_units[0]
    assert names[(lead.span.start, lead.span.end, "UNIT")] == "伊州区人民政府办公室"


def test_bad_corrections_file_names_the_file(tmp_path):
    from kg.errors import InputError

    f = tmp_path / "bad.yaml"
    f.write_text("aliases:\n  - canonical: x\n", encoding="utf-8")
    with pytest.raises(InputError, match="bad.yaml"):
        Corrections.load(f)


def test_policy_noise_variants_are_one_node_and_persons_need_the_same_jurisdiction():
    from kg.records import Mention, Span
    from kg.resolve import person_entity, policy_entity
    from kg.extract.gazetteer import load_gazetteer

    a = policy_entity(Mention("POLICY", "伊州区2023年深化“放管服”改革工作要点", Span(0, 1)))
    b = policy_entity(Mention("POLICY", "伊州区2023年深化放管服改革工作要点", Span(0, 1)))
    c = policy_entity(Mention("POLICY", "自治区实施〈优化营商环境条例〉办法", Span(0, 1)))
    d = policy_entity(Mention("POLICY", "自治区实施<优化营商环境条例>办法", Span(0, 1)))
    assert a.id == b.id and c.id == d.id and a.id != c.id
    assert a.props["year"] == 2023
    gz = load_gazetteer()
    p1 = person_entity(Mention("PERSON", "市长张伟", Span(0, 1), {"name": "张伟", "role": "市长"}), gz.places["340200"])
    p2 = person_entity(Mention("PERSON", "张伟", Span(0, 1), {"name": "张伟"}), gz.places["340200"])
    p3 = person_entity(Mention("PERSON", "张伟", Span(0, 1), {"name": "张伟"}), gz.places["341500"])
    assert p1.id == p2.id != p3.id


def test_office_of_a_leading_group_belongs_to_the_group(seed003):
    ex, rd = seed003
    office = next(e for e in rd.entities.values() if e.name == "伊州区放管服改革协调领导小组办公室")
    assert ("Unit", "650502|伊州区放管服改革协调领导小组") in office.parents
    group = rd.entities["650502|伊州区放管服改革协调领导小组"]
    assert group.props["kind"] == "leading_group"


def test_central_bank_branches_are_central_bodies_wherever_they_sit():
    text = ("河南省人民政府关于明确重点工作责任单位的通知\n"
            "1.落实首套房贷款支持政策。(省住房城乡建设厅、人行郑州中心支行按职责分工负责)\n"
            "2.优化金融服务。(中国人民银行郑州中心支行牵头,省财政厅配合)\n")
    ex = extract(segment(source(text)))
    rd = resolve(ex)
    c = canon_of(ex, rd)
    assert c["人行郑州中心支行"] == c["中国人民银行郑州中心支行"] == "中国人民银行郑州中心支行"
    assert c["省住房城乡建设厅"] == "河南省住房和城乡建设厅"      # a provincial body keeps its province
    ids = {e.id for e in rd.entities.values() if e.name == "中国人民银行郑州中心支行"}
    assert ids == {"000000|中国人民银行郑州中心支行"}


def test_a_cited_documents_number_gives_its_year():
    text = ("1、深化改革。落实《关于全面实行行政许可事项清单管理的通知》,"
            "即《关于全面实行行政许可事项清单管理的通知》(国办发〔2022〕2号)。\n")
    ex = extract(segment(source(text)))
    rd = resolve(ex)
    (policy,) = [e for e in rd.entities.values() if e.label == "Policy"]
    assert policy.props["doc_number"] == "国办发〔2022〕2号" and policy.props["year"] == 2022
    batch = process_source(source(text)).batch
    (node,) = [n for n in batch.nodes if n.label == "Policy"]
    assert node.props["doc_number"] == "国办发〔2022〕2号"


def test_the_partys_name_before_a_committee_changes_nothing():
    ex = extract(segment(source("鹿邑县2023年改革工作总结\n中共鹿邑县委全面深化改革委员会办公室印发方案，"
                                "鹿邑县委全面深化改革委员会办公室负责督察。\n")))
    c = canon_of(ex, resolve(ex))
    assert c["中共鹿邑县委全面深化改革委员会办公室"] == c["鹿邑县委全面深化改革委员会办公室"]


def _canon(text: str) -> tuple[dict, object]:
    p = process_source(source(text))
    return canon_of(p.extraction, p.resolved), p.resolved


def test_a_body_is_qualified_by_the_innermost_place_written_before_it():
    # the full form with its city and the district's short form are one body (two sources:
    # a 济南 district's plan and a 重庆 district's plan wrote them so)
    c, rd = _canon("济南市钢城区人民政府办公室关于印发重点任务分工方案的通知\n"
                   "1.优化审批流程。牵头单位:区政府办公室\n2.压缩时限。牵头单位:济南市钢城区人民政府办公室\n")
    assert c["区政府办公室"] == c["济南市钢城区人民政府办公室"] == "钢城区人民政府办公室"
    # but a city body stays the city's
    c, _ = _canon("钢城区人民政府关于印发分工方案的通知\n1.优化审批。牵头单位:济南市人民政府办公厅\n")
    assert c["济南市人民政府办公厅"] == "济南市人民政府办公厅"
    # a county's short name inside a body's name is no inner place (公安 of 公安县 in 公安厅)
    c, _ = _canon("湖北省人民政府关于印发方案的通知\n1.推进改革。牵头单位:湖北省公安厅、荆州市公安局\n")
    assert (c["湖北省公安厅"], c["荆州市公安局"]) == ("湖北省公安厅", "荆州市公安局")


def test_the_document_stands_in_the_place_its_opening_supports_most():
    # 合肥市 is named twice, 瑶海 once; 瑶海区 lies in 合肥市, so both support 瑶海区
    c, rd = _canon("2021年区委全面深化改革工作总结\n今年以来,在安徽省委和合肥市委的坚强领导下,瑶海区委"
                   "深入推进改革,合肥市改革办给予指导。\n一是区委深改委召开会议5次。\n")
    assert rd.jurisdiction == "340102"
    assert c["区委深改委"] == "瑶海区委全面深化改革委员会"
    # a name before 管委会 is a development zone, not the document's place
    _, rd = _canon("许昌市人民政府文件\n各县(市、区)人民政府,东城区管委会,许昌市人民政府各部门:\n"
                   "1.做好审批改革。责任单位:市政务服务局\n")
    assert rd.jurisdiction == "411000"


def test_autonomous_prefectures_have_the_short_forms_documents_use():
    from kg.extract.gazetteer import autonomous_aliases, load_gazetteer

    assert autonomous_aliases("湘西土家族苗族自治州") == ("湘西自治州", "湘西州", "湘西")
    assert autonomous_aliases("黔东南苗族侗族自治州")[-1] == "黔东南"
    assert autonomous_aliases("哈密市") == ()
    assert [p.adcode for p in load_gazetteer().lookup_strict("湘西州")] == ["433100"]
    c, rd = _canon("湘西自治州2020年深化放管服改革工作计划\n1.推进审批改革。责任单位:州人民政府办公室\n")
    assert rd.jurisdiction == "433100"
    assert c["州人民政府办公室"] == "湘西土家族苗族自治州人民政府办公室"


def test_one_name_for_the_ways_a_collective_is_written():
    c, _ = _canon("鞍山市立山区人民政府关于印发分工方案的通知\n"
                  "1.优化营商环境。责任单位:区直各部门、各区直部门、各有关单位、各相关单位、各街道办事处\n"
                  "2.深化改革。责任单位:区政府有关部门、有关部门、区政府各部门\n"
                  "3.推进改革。责任单位:各乡镇人民政府、各乡镇\n4.推进改革。责任单位:各街道\n")
    assert c["区直各部门"] == c["各区直部门"] == c["区政府各部门"] == "立山区各部门"
    assert c["各有关单位"] == c["各相关单位"] == "立山区有关单位"
    assert c["各街道办事处"] == c["各街道"] == "立山区各街道"
    assert c["各乡镇人民政府"] == c["各乡镇"] == "立山区各乡镇"
    assert c["区政府有关部门"] == c["有关部门"] == "立山区有关部门"
    # "all" and "those concerned" are different sets
    assert c["区政府各部门"] != c["区政府有关部门"]
