import pytest

from kg.extract.pipeline import extract, extraction_to_contract, nlp
from kg.extract.rules import find_outcomes, normalise_deadline, split_units
from kg.extract.shadow import make_shadow
from kg.segment import segment
from tests.conftest import SEED_003, source


@pytest.fixture(scope="module")
def seed003():
    return extract(segment(source(SEED_003.read_text(encoding="utf-8"), str(SEED_003))))


def test_pipeline_is_blank_zh_with_rule_components():
    p = nlp()
    assert p.lang == "zh"
    assert p.pipe_names == ["kg_units", "kg_policies", "kg_places", "kg_persons", "kg_outcomes"]


def test_seed003_has_40_tasks_with_leads_and_deadlines(seed003):
    tasks = seed003.tasks
    assert len(tasks) == 40
    assert [t.id for t in tasks] == [str(i) for i in range(1, 41)]
    assert all(t.lead_units for t in tasks)
    assert all(t.deadline and t.deadline.text == "202312月底前" and t.deadline.date == "2023-12-31" for t in tasks)
    t1 = tasks[0]
    assert [u.text for u in t1.lead_units] == ["区政府办(区政务服务中心)"]
    assert [u.text for u in t1.support_units] == ["各乡镇(街道)", "区直各相关部门(单位)"]
    # only 责任单位 named: they are the owners
    assert [u.text for u in tasks[30].lead_units] == ["公安局"] and tasks[30].support_units == ()


def test_spans_point_into_the_original(seed003):
    text = seed003.doc.source.text
    for t in seed003.tasks:
        assert text[t.span.start:t.span.end] == t.text
        for m in t.lead_units + t.support_units + t.cites:
            assert text[m.span.start:m.span.end] == m.text
        for o in t.outcomes:
            assert text[o.span.start:o.span.end] == o.text
    for group in (seed003.units, seed003.policies, seed003.places, seed003.persons):
        for m in group:
            assert text[m.span.start:m.span.end] == m.text


def test_lost_separators_and_broken_brackets(seed003):
    t13 = seed003.tasks[12]
    assert [u.text for u in t13.support_units] == [
        "水利局", "应急管理局", "发改委", "财政局", "商务局", "自然资源局伊州分局", "生态环境局伊州分局"]
    t14 = seed003.tasks[13]
    assert "财政局(国资委" in [u.text for u in t14.support_units]
    t16 = seed003.tasks[15]
    assert "市生态环境\n\n局伊州分局" in [u.text for u in t16.support_units]


@pytest.mark.parametrize("value,expected", [
    ("区税务局、公安局、财政局", ["区税务局", "公安局", "财政局"]),
    ("科工信局市场监管局、税务局", ["科工信局", "市场监管局", "税务局"]),
    ("发改委、财政局等区直各部门(单位)", ["发改委", "财政局", "区直各部门(单位)"]),
    ("区政府办(区政务服务中心)", ["区政府办(区政务服务中心)"]),
    ("区民政局(区委社会工委)", ["区民政局(区委社会工委)"]),
    ("省商务厅、财政厅、河南银保监局等相关部门", ["省商务厅", "财政厅", "河南银保监局", "相关部门"]),
    # a Party committee's organ is one body, not the committee and a bureau glued together
    ("中共鹿邑县委组织部、县委宣传部", ["中共鹿邑县委组织部", "县委宣传部"]),
    ("区发改委区财政局", ["区发改委", "区财政局"]),
])
def test_split_units(value, expected):
    assert [s for s, _, _ in split_units(value)] == expected


@pytest.mark.parametrize("text,year,iso", [
    ("202312月底前", None, "2023-12-31"),
    ("2022年10月底前", None, "2022-10-31"),
    ("6月底前", 2023, "2023-06-30"),
    ("2019年6月底", None, "2019-06-30"),
    ("2023年底前", None, "2023-12-31"),
    ("长期坚持", 2023, None),
    # quarters and half-years end with their last month
    ("2023年第三季度", 2023, "2023-09-30"),
    ("2024年一季度末", 2023, "2024-03-31"),
    ("上半年", 2023, "2023-06-30"),
    ("2023年下半年", None, "2023-12-31"),
    # a staged deadline ends with its last stage, the year carrying over
    ("2023年3月底前完成摸底;6月底前完成方案", None, "2023-06-30"),
    ("2023年上半年启动,年底前完成", None, "2023-12-31"),
    # a start or a relative span is no date; a year's 年内 is
    ("2023年起", 2023, None),
    ("半年内", 2023, None),
    ("3个月内完成", 2023, None),
    ("2023年内", None, "2023-12-31"),
])
def test_deadlines(text, year, iso):
    assert normalise_deadline(text, year) == iso


def test_outcomes_values_units_and_masks():
    text = "1、全面深化行政审批制度改革。保留行政许可项目167项，精简177项、精简率达46.6%，新认定高新技术企业*家。\n"
    ex = extract(segment(source(text)))
    outs = {o.text: o for t in ex.tasks for o in t.outcomes}
    assert outs["精简177项"].value == 177 and outs["精简177项"].unit == "项" and outs["精简177项"].metric == "精简"
    assert outs["精简率达46.6%"].value == 46.6 and outs["精简率达46.6%"].unit == "%"
    assert outs["新认定高新技术企业*家"].value is None and outs["新认定高新技术企业*家"].masked


def test_traditional_script_with_pinyin_glosses_keeps_offsets():
    text = "天津市濱海新區(qū)行政審批局成立,國務院總理李克強和市政協(xié)出席。"
    ex = extract(segment(source(text)))
    units = {m.text for m in ex.units}
    assert "天津市濱海新區(qū)行政審批局" in units
    assert "國務院" in units
    assert "市政協(xié)" in units
    assert any(p.text.endswith("李克強") for p in ex.persons)
    for m in ex.units + ex.persons + ex.places:
        assert text[m.span.start:m.span.end] == m.text


def test_shadow_maps_back_over_removed_glosses():
    sh = make_shadow("經(jīng)濟開發區(qū)")
    assert sh.text == "经济开发区"
    assert sh.span(0, 5) == (0, len("經(jīng)濟開發區(qū)"))


def test_policies_nested_and_unclosed():
    text = ("深入贯彻《自治区实施<优化营商环境条例>办法》和《关于印发《伊州区工作要点》的通知》。"
            "关于印发《伊州区2023年深化放管服改革工作要点的通知\n")
    ex = extract(segment(source(text)))
    titles = {m.text for m in ex.policies}
    assert "自治区实施<优化营商环境条例>办法" in titles
    assert "关于印发《伊州区工作要点》的通知" in titles
    assert "伊州区2023年深化放管服改革工作要点" in titles


def test_persons_with_roles():
    text = "市委书记丁小强领衔推进改革，市长储祥好出席，市委副书记冯克金主持会议。"
    ex = extract(segment(source(text)))
    got = {p.text for p in ex.persons}
    assert {"市委书记丁小强", "市长储祥好", "市委副书记冯克金"} <= got


def test_places_from_the_gazetteer():
    text = "新疆维吾尔自治区、哈密市伊州区人民政府印发方案。"
    ex = extract(segment(source(text)))
    names = {p.attrs.get("name") for p in ex.places}
    assert {"新疆维吾尔自治区", "伊州区"} == names
    # a chain written as one (运城市盐湖区) is one mention of the inner place, in its fullest form
    ex = extract(segment(source("新疆维吾尔自治区哈密市伊州区人民政府印发方案。")))
    assert [(p.text, p.attrs.get("name")) for p in ex.places] == [("新疆维吾尔自治区哈密市伊州区", "伊州区")]


def test_contract_shape(seed003):
    c = extraction_to_contract(seed003)
    assert c["doc_number"] == "伊区政办发〔2023〕13号"
    t = c["tasks"][0]
    assert set(t) >= {"id", "title", "text", "span", "lead_units", "support_units", "deadline", "cites", "outcomes"}
    assert t["deadline"] == {"text": "202312月底前", "date": "2023-12-31", "span": t["deadline"]["span"]}


def test_place_selection_prefers_free_fullest_forms():
    text = "河南银保监局、人行郑州中心支行负责。运城市盐湖区、芮城县陌南镇庄上村推进,莒南、沂水、临沭等县建设运行。城区改造。"
    ex = extract(segment(source(text)))
    got = {m.text for m in ex.places}
    assert {"运城市盐湖区", "芮城县", "陌南镇", "庄上村", "莒南", "沂水", "临沭"} <= got
    assert "运城市" not in got and "盐湖区" not in got   # one place, written in its fullest form
    assert "郑州" not in got and "河南" not in got      # only inside unit names
    assert "城区" not in got                           # generic word, though a county name


def test_persons_name_before_role_and_no_false_total_secretary():
    text = "深入贯彻习近平总书记重要讲话和总书记全面深化改革的论述,有关负责同志参加。國務院總理李克強出席。"
    ex = extract(segment(source(text)))
    got = {p.text for p in ex.persons}
    assert "习近平总书记" in got and "國務院總理李克強" in got
    assert not any("全面" in p or "负责" in p for p in got)


def test_prose_owners_with_huitong():
    text = ("一是大幅度削减行政审批项目,状况明显改变。2004年,监察部、国务院审改办会同有关部门对审批项目进行了审核论证,"
            "国务院决定取消和调整审批项目495项。\n二是保持上下衔接。\n")
    ex = extract(segment(source(text)))
    t = ex.tasks[0]
    assert [u.text for u in t.lead_units] == ["监察部", "国务院审改办"]
    assert [u.text for u in t.support_units] == ["有关部门"]


def test_news_paragraphs_with_outcomes_are_tasks_but_ledes_are_not():
    text = ("改革风帆劲\n11月27日,市委深改委召开第十五次会议,审议文件8个。\n"
            "深化第一议题制度。坚持把学习贯彻中央精神作为第一议题,已召开深改委会议5次,审议改革文件8个。\n"
            "坚持领导领衔推进,多次会议部署、开展调研、一线指导,强力推进建设,成效明显,形成经验。\n")
    ex = extract(segment(source(text)))
    titles = [t.title for t in ex.tasks]
    assert "深化第一议题制度。坚持把学习贯彻中央精神作为第一议题".startswith(titles[0])
    assert not any(t.startswith("11月27日") for t in titles)
    assert any(o.text.endswith("会议5次") for o in ex.tasks[0].outcomes)


def test_photo_credits_and_bylines_are_persons():
    text = "見證封存109枚審批公章。劉震 攝\n本报记者 王小明\n"
    ex = extract(segment(source(text)))
    got = {p.text for p in ex.persons}
    assert {"劉震", "王小明"} <= got


def test_quantified_sentences_of_a_news_paragraph_and_leaders():
    text = ("运城市全面深化改革综述\n"
            "坚持领导领衔推进。市长储祥好领衔推进“政府+链主企业+产业园”招商,多次召开专题会。\n"
            "省考改革奋力争先。聚焦4项任务,领导亲自领衔推进。“政府+链主企业+产业园”招商改革成效显著,外出招商122次,"
            "对接企业986家。其中,签约项目400个。田长制改革试点先行,新增高标准农田28万亩。\n")
    ex = extract(segment(source(text)))
    by_title = {t.title: t for t in ex.tasks}
    assert "“政府+链主企业+产业园”招商改革成效显著" in by_title
    assert "田长制改革试点先行" in by_title
    assert not any(t.startswith("其中") for t in by_title)
    zs = by_title["“政府+链主企业+产业园”招商改革成效显著"]
    assert [p.text for p in zs.lead_persons] == ["市长储祥好"]
    assert {o.value for o in zs.outcomes} >= {122, 986, 400}


def test_dated_targets_in_a_workplan_goals_section():
    text = ("遂宁市工程建设项目审批制度改革实施方案\n一、总体要求\n(一)指导思想。以改革为目标。\n"
            "(二)主要目标。到2019年6月底,基本实现审批时间压缩至90个工作日以内,初步建成框架。"
            "到2019年12月底,实现审批管理系统与相关系统平台互联互通。\n二、统一审批流程\n")
    ex = extract(segment(source(text)))
    got = [(t.title, t.deadline.text, t.deadline.date) for t in ex.tasks]
    assert got == [("基本实现审批时间压缩至90个工作日以内", "2019年6月底", "2019-06-30"),
                   ("实现审批管理系统与相关系统平台互联互通", "2019年12月底", "2019-12-31")]


def test_outcome_phrases_do_not_swallow_neighbouring_numbers_and_rankings_count():
    text = ("1、深化林权改革。2022年新发展林下经济0.71万亩，制止违法行为128起，共涉及35个区政府部门和直属事业单位，"
            "乡村e镇建设改革试点任务完成全省排名第二。\n")
    ex = extract(segment(source(text)))
    outs = [o.text for t in ex.tasks for o in t.outcomes]
    assert any(o.endswith("林下经济0.71万亩") and "2022" not in o for o in outs)
    assert any("128起" in o for o in outs)
    assert any(o.startswith("共涉及35个区政府部门和直属事业单位") for o in outs)
    assert any(o.endswith("全省排名第二") for o in outs)


def test_table_rows_become_tasks_with_owners():
    text = ("序号\t重点任务\t牵头单位\t责任单位\t完成时限\n"
            "1\t深化工程建设项目审批制度改革\t市住建局\t市自然资源局、市发改委\t2023年12月底前\n")
    ex = extract(segment(source(text)))
    t = ex.tasks[0]
    assert [u.text for u in t.lead_units] == ["市住建局"]
    assert [u.text for u in t.support_units] == ["市自然资源局", "市发改委"]
    assert t.deadline.date == "2023-12-31"


def test_leader_fields_and_slash_separated_fields():
    text = ("一、重点任务\n1.推进要素市场化配置改革。(分管省领导:林克庆/部门分工:省发改委、省财政厅)\n"
            "2.深化国资国企改革。朱伟县长牵头,县国资办负责。\n")
    ex = extract(segment(source(text)))
    t1, t2 = ex.tasks
    assert [p.text for p in t1.lead_persons] == ["林克庆"]
    assert [u.text for u in t1.lead_units] == ["省发改委", "省财政厅"]
    assert [p.text for p in t2.lead_persons] == ["朱伟县长"]


@pytest.mark.parametrize("text,expected", [
    ("各街道办事处、乡人民政府,区人民政府各部门、各直属机构:", ["各街道办事处", "乡人民政府", "区人民政府各部门", "各直属机构"]),
    ("市委宣传部部长车照启出席", ["市委宣传部"]),
    ("坚持和平区部门职责清单制度工作领导小组", ["和平区部门职责清单制度工作领导小组"]),
    ("成立两项改革“后半篇”文章工作领导小组", ["两项改革“后半篇”文章工作领导小组"]),
    ("由市委、市政府和区委统一部署", ["市委", "市政府", "区委"]),
    ("扩大政府投资,公立医院改革", []),
])
def test_unit_recognition(text, expected):
    from kg.extract.rules import find_units

    assert [text[s:e] for _, s, e, _ in find_units(text)] == expected


def test_speech_directives_with_targets_or_owners_are_tasks():
    text = ("同志们:\n二、突出重点\n3.协调推进社会体制改革。一要推进就业改革,城镇登记失业率控制在4%以内。"
            "二要健全督查机制,加强协调。三要推进科技体制改革,研发经费支出占GDP比重达到1.9%。"
            "四要加快推进行政审批制度改革,市审改办要会同相关部门逐项研究论证。\n")
    ex = extract(segment(source(text)))
    assert [t.title for t in ex.tasks] == ["推进就业改革", "推进科技体制改革", "加快推进行政审批制度改革"]
    assert [u.text for u in ex.tasks[2].lead_units] == ["市审改办"]


def test_bodies_beyond_the_development_set():
    from kg.extract.rules import find_units

    text = ("市教育局、市总工会、团市委、市妇联、市科协、国家税务总局六安市税务局、人民银行六安市中心支行、"
            "市委网信办、市数据资源局、市政务服务和大数据管理局、市乡村振兴局")
    assert [text[s:e] for _, s, e, _ in find_units(text)] == [
        "市教育局", "市总工会", "团市委", "市妇联", "市科协", "国家税务总局六安市税务局", "人民银行六安市中心支行",
        "市委网信办", "市数据资源局", "市政务服务和大数据管理局", "市乡村振兴局"]


@pytest.mark.parametrize("owner_text,lead,support,persons", [
    ("〔牵头单位:市发改委,责任单位:市财政局、市商务局〕", ["市发改委"], ["市财政局", "市商务局"], []),
    ("(牵头单位:市发改委;责任单位:市财政局)", ["市发改委"], ["市财政局"], []),
    ("(责任单位:市财政局、市商务局)", ["市财政局", "市商务局"], [], []),
    ("(市发改委牵头,各县区按职责分工负责)", ["市发改委"], ["各县区"], []),
    ("(市工商质监局牵头负责)", ["市工商质监局"], [], []),
    ("(牵头区领导:刘胜、夏东;牵头单位:区发改委;协办单位:区财政局)", ["区发改委"], ["区财政局"], ["刘胜", "夏东"]),
    ("(牵头单位:区发改委;配合单位:区财政局、区税务局)", ["区发改委"], ["区财政局", "区税务局"], []),
])
def test_inline_owner_formats(owner_text, lead, support, persons):
    text = f"一、重点任务\n1.推进要素市场化配置改革,完善交易规则。{owner_text}\n2.深化国资国企改革。{owner_text}\n"
    ex = extract(segment(source(text)))
    t = ex.tasks[0]
    assert [u.text for u in t.lead_units] == lead
    assert [u.text for u in t.support_units] == support
    assert [p.text for p in t.lead_persons] == persons
    for m in t.lead_units + t.support_units + t.lead_persons:
        assert text[m.span.start:m.span.end] == m.text


def test_masked_numbers_are_outcomes_without_a_value():
    text = "1、深化审批改革。全年精简审批事项*项,办理时限压缩**%以上。\n"
    ex = extract(segment(source(text)))
    outs = {o.text: o for o in ex.tasks[0].outcomes}
    masked = [o for o in outs.values() if o.masked]
    assert len(masked) == 2 and all(o.value is None for o in masked)
    assert {o.unit for o in masked} == {"项", "%"}


def test_province_before_sheng_zhi_is_the_short_name():
    text = "省委深改组关于开展湖南省直管县体制改革试点的意见,位于湖南经济发展轴上。"
    ex = extract(segment(source(text)))
    assert [m.text for m in ex.places] == ["湖南"]


def test_measures_that_continue_a_reform_stay_with_it():
    text = ("民生领域释放红利。学前教育普惠率达到95%。大力推进学前教育普及普惠工作,新建幼儿园12所。"
            "全面推广社区嵌入式养老模式,建成养老机构52个。\n")
    ex = extract(segment(source(text)))
    assert [t.title for t in ex.tasks] == ["民生领域释放红利"]
    assert len(ex.tasks[0].outcomes) == 3


def test_the_rest_of_a_sentence_cut_by_a_page_break_is_not_a_task():
    text = ("市级大厅运行三年以来,共办理各类行政审批、行政审批、行政审批、行政审批、行政审批、行政服\n"
            "2、务事项30余万件,按时办结率100%,群众满意率99%以上,各项工作走在全省前列。\n")
    ex = extract(segment(source(text)))
    assert not any(t.title.startswith("2、") or t.title.startswith("务事项") for t in ex.tasks)


@pytest.mark.parametrize("text, expected", [
    ("\t太平街道、城东街道、城西街道\t", ["太平街道", "城东街道", "城西街道"]),   # 城 opens sub-district names
    ("；二是镇（街道）窗口人员流动性较大", []),                                # a point marker, not a town
    ("县委改革办要会同县委督查室开展督察", []),                                 # 会同 the verb, not 会同县
    ("推进小城镇建设,建成乡镇街道文化分馆", []),
])
def test_town_and_sub_district_names(text, expected):
    from kg.extract.rules import find_places

    assert [text[h[1]:h[2]] for h in find_places(text)] == expected


def test_townships_named_on_their_own_but_not_xiang_words():
    text = "系统集成推进,北辛乡苹果入选全国产业强镇,庙上乡建成示范园;为城乡融合发展,送戏下乡。"
    ex = extract(segment(source(text)))
    assert [m.text for m in ex.places] == ["北辛乡", "庙上乡"]


def _outcome_texts(text: str) -> list[str]:
    return [text[h[1]:h[2]] for h in find_outcomes(text)]


@pytest.mark.parametrize("text, expected", [
    # a range keeps both bounds and is one outcome
    ("按规定收取1-2%的发展基金。", ["按规定收取1-2%的发展基金"]),
    # a number after a conjunction starts its own phrase; a word like 涉及 is no conjunction
    ("完善改革评估等5项机制和12项制度。", ["完善改革评估等5项机制", "12项制度"]),
    ("共涉及35个区政府部门。", ["共涉及35个区政府部门"]),
    # a closing quote is part of the metric; a date's 年 is not
    ("全区累计整治“空心村”*个,整治集镇市场*个。", ["全区累计整治“空心村”*个", "整治集镇市场*个"]),
    ("2022年我区营商环境排名攀升3个位次。", ["我区营商环境排名攀升3个位次"]),
    # a count with no words of its own joins the next count of its clause
    ("目前,*个企事业单位创建达标率为*%。", ["*个企事业单位创建达标率为*%"]),
    # a duration in years is a figure; a year is not
    ("连续*年获评先进,2022年再获表彰。", ["连续*年获评先进"]),
    ("问题楼盘化解攻坚连续两年获得全省先进。", ["问题楼盘化解攻坚连续两年获得全省先进"]),   # a streak in words
    # per mille is a unit
    ("人口自然增长率控制在5.5‰以内。", ["人口自然增长率控制在5.5‰以内"]),
    # a Chinese numeral with a magnitude is a count; a small one is a word
    ("先后提供就业岗位两万余个,三项指标走在前列。", ["先后提供就业岗位两万余个"]),
    # a result without a unit of its own after 压缩为/减至
    ("将6个环节压缩为1,实现一窗受理。", ["将6个环节压缩为1"]),
    # the area a figure is about is its scope, not a second figure; other counts stay
    ("全市12个乡村e镇总投资22.59亿元。", ["乡村e镇总投资22.59亿元"]),
    ("全市3000家企业享受减税降费5亿元。", ["全市3000家企业享受减税降费5亿元"]),
    ("全市18个部门312项事项实现一网通办。", ["全市18个部门312项事项实现一网通办"]),
    # ranges that repeat the unit; Chinese numerals before 余万
    ("营业收入增长10%-12%。", ["营业收入增长10%-12%"]),
    ("覆盖三十余万户。", ["覆盖三十余万户"]),
    # a short aside in brackets belongs to what is counted; a word is no conjunction
    ("建成党群服务中心(站)126个。", ["建成党群服务中心(站)126个"]),
    ("及时办结率100%,和谐社区创建12个。", ["及时办结率100%", "和谐社区创建12个"]),
    # a masked year is a year, and the item number's dot is no part of the phrase
    ("**年全市新增市场主体**户。", ["全市新增市场主体**户"]),
    ("3.省委编办下放事项12项。", ["省委编办下放事项12项"]),
    # masks of any length, with a masked decimal
    ("同比增长**.*%,营业收入*.**亿元,发放****张。", ["同比增长**.*%", "营业收入*.**亿元", "发放****张"]),
    # batches are how something was done, unless they and their total are one figure
    ("截至目前,共批复2批分类改革事业单位424个。", ["分类改革事业单位424个"]),
    ("已先后取消和下放7批共632项行政审批事项。", ["已先后取消和下放7批共632项行政审批事项"]),
    # a masked character right after the unit is part of the name counted, a later one is not
    ("确定53项*高效节灌工程,搬迁60多户小吃摊点至*路市场。", ["确定53项*高效节灌工程", "搬迁60多户小吃摊点至"]),
    # a parallel figure that lost its unit; a figure said again is the same outcome
    ("出租1725亩,转包1520,累计流转86492亩。", ["出租1725亩", "转包1520", "累计流转86492亩"]),
    ("出租1725亩,截至2022,全部完成。", ["出租1725亩"]),       # a year is no figure that lost its unit
    ("确定的65个基层高频事项。65个基层事项,细分为412个办理情形。", ["确定的65个基层高频事项", "细分为412个办理情形"]),
    ("新增示范点10个,建成示范点10个。", ["新增示范点10个", "建成示范点10个"]),
    # a tier is a ranking; a phrase never starts on a conjunction
    ("营商环境实现进入全省第二方阵目标。", ["营商环境实现进入全省第二方阵"]),
    ("贯彻《环境保护法》及配套的4个办法。", ["配套的4个办法"]),
    # a phrase cut short never ends on a function word
    ("今年有2项改革经验被《*省改革动态》刊发推广。", ["今年有2项改革经验"]),
    # a second measure of the same thing, with no words of its own, joins the first
    ("电子证照库归集证照386类、1.3亿张,免证办事项1500项。", ["电子证照库归集证照386类、1.3亿张", "免证办事项1500项"]),
    ("已登记1394宗、权利数量4208项。", ["已登记1394宗", "权利数量4208项"]),
    # a count with words of its own, then a total of what it did: two figures; a scope is none
    ("196家部门单位共梳理了1754项职责事项。", ["196家部门单位", "共梳理了1754项职责事项"]),
    ("全区12个部门累计办理业务300件。", ["累计办理业务300件"]),
])
def test_outcome_phrase_boundaries(text, expected):
    assert _outcome_texts(text) == expected


@pytest.mark.parametrize("text, expected", [
    # the same figure said again with words of its own is another outcome
    ("地区生产总值同比增长8.5%,一般公共预算收入完成12亿元,同比增长8.5%。",
     [("地区生产总值同比增长8.5%", 8.5, "%"), ("一般公共预算收入完成12亿元", 1.2e9, "亿元"), ("同比增长8.5%", 8.5, "%")]),
    ("新增就业岗位100个,新增就业100个。", [("新增就业岗位100个", 100, "个"), ("新增就业100个", 100, "个")]),
    # only plain counts lend their unit, to every sibling; a rate or a 万/亿 figure lends none
    ("出租1725亩,转包1520,互换300,累计流转86492亩。",
     [("出租1725亩", 1725, "亩"), ("转包1520", 1520, "亩"), ("互换300", 300, "亩"), ("累计流转86492亩", 86492, "亩")]),
    ("全年办件12万件,同比增长15.6,减免税费1.2亿元,惠及企业3600。",
     [("全年办件12万件", 120000, "万件"), ("减免税费1.2亿元", 1.2e8, "亿元")]),
    ("受理诉求320件,拨打热线12345。", [("受理诉求320件", 320, "件")]),
    # batches and their total are one figure, valued by the total
    ("先后公布3批次共85项。", [("先后公布3批次共85项", 85, "项")]),
    ("公布2批清单共计386项。", [("公布2批清单共计386项", 386, "项")]),
    # 共 inside a word (公共, 共享) parts nothing; a count then 共 parts two figures; an area count is a scope
    ("省级试点12个共取得改革成果35项。", [("省级试点12个", 12, "个"), ("共取得改革成果35项", 35, "项")]),
    ("12个乡镇累计流转土地3.5万亩。", [("累计流转土地3.5万亩", 35000, "万亩")]),
    ("投入资金8.2亿元。", [("投入资金8.2亿元", 820000000, "亿元")]),
    # areas reached are a result (the bracket is part of it); areas a figure is about are its scope
    ("便民服务站点覆盖全区12个乡镇(街道)。", [("便民服务站点覆盖全区12个乡镇(街道)", 12, "个")]),
    ("全县***个村(社区)实现警务助理全覆盖。", [("全县***个村(社区)实现警务助理全覆盖", None, "个")]),
    ("全区*个乡镇(街道)便民服务中心全面推开。", []),
    # a count whose classifier was lost (noise), not a year or a hotline
    ("按照实施的18一件事一次办套餐统一要求,审议了2022年工作,开通的12345热线。",
     [("18一件事一次办套餐统一要求", 18, None)]),
    # masks of any length after the unit; words that open with 和/及 keep them
    ("完成53项**高效节灌工程。", [("完成53项**高效节灌工程", 53, "项")]),
    ("和解成功率达到92%,及格率达到98%。", [("和解成功率达到92%", 92, "%"), ("及格率达到98%", 98, "%")]),
    # a phrase ending at a full stop keeps its last word
    ("办理退税1.2亿元已全部退还。", [("办理退税1.2亿元已全部退还", 1.2e8, "亿元")]),
    ("办结率、满意率分别达到98%、99%。", [("满意率分别达到98%", 98, "%"), ("99%", 99, "%")]),
])
def test_outcome_values_and_units(text, expected):
    assert [(text[h[1]:h[2]], h[3]["value"], h[3]["unit"]) for h in find_outcomes(text)] == expected


def test_rankings_that_are_part_of_a_figure_or_have_their_own_metric():
    text = "新增市场主体2.3万户,增速全省第一,总量全省第三。新增就业268人位居全省第一。连续十年保持全省第一。颁发证书4114本,项目数全省第三。"
    hits = [(text[h[1]:h[2]], h[3].get("rank")) for h in find_outcomes(text)]
    assert hits == [("新增市场主体2.3万户", "增速全省第一"), ("总量全省第三", None),
                    ("新增就业268人位居全省第一", "全省第一"), ("连续十年保持全省第一", "全省第一"),
                    ("颁发证书4114本", None), ("项目数全省第三", None)]


@pytest.mark.parametrize("text", [
    "濱海新區4個月前成立。",             # a time reference (traditional script, folded)
    "全区*个乡镇(街道)便民服务中心全面推开。",   # how many areas there are: a scope
    "我市12个县区,各有分工。",
    "“放管服”改革成为全省第一批示范案例。",     # an ordinal batch, not a ranking
    "**年,是全面深化改革的开局之年。",         # a masked year
    "近3年来,改革成效明显。",                  # a time, not a duration achieved
    "连续三年来,改革成效明显。",
    "在产业结构、经营体系8个方面系统集成推进。",   # how the text is organised
])
def test_not_outcomes(text):
    from kg.extract.shadow import fold
    assert _outcome_texts(fold(text)) == []


def test_outcome_ranges_and_scopes_keep_the_numbers_that_are_results():
    outs = {o.text: o for t in extract(segment(source(
        "1、小型水利工程产权制度改革。按规定收取1-2%的发展基金,全市10个乡镇全部建成“省级生态乡镇”。\n"))).tasks
        for o in t.outcomes}
    assert outs["按规定收取1-2%的发展基金"].value == 1 and outs["按规定收取1-2%的发展基金"].value_max == 2
    assert "全市10个乡镇全部建成“省级生态乡镇”" in outs      # not a scope: something was achieved


def test_a_body_at_work_in_a_news_paragraph_carries_out_its_reform_not_a_new_one():
    text = ("记者 孙铭\n"
            "创新监管方式,“管”出公平。全省联合抽查占比达到38.6%。省市场监督管理局会同省司法厅出台免罚清单,"
            "涉及12个领域148项行为。\n"
            "兑现惠企政策,“兑”出实惠。梳理惠企政策事项1862项。乡村e镇建设改革试点先行,培育市场主体503户。\n"
            "會議指出,晉江市將**項行政許可事項集中劃轉。\n")
    ex = extract(segment(source(text)))
    assert [t.title for t in ex.tasks] == ["创新监管方式", "兑现惠企政策", "乡村e镇建设改革试点先行"]
    assert "涉及12个领域148项行为" in [o.text for o in ex.tasks[0].outcomes]


def test_a_dated_news_lede_reporting_a_reform_is_a_task_but_a_photo_caption_is_not():
    text = ("记者 王明\n"
            "9月11日,國務院總理李克強在濱海新區行政審批局辦事大廳,見證封存109枚審批公章。劉震 攝\n"
            "11月15日,国家博物馆工作人员搬走109枚封存审批公章。新华社 发\n"
            "2017年12月20日,和平区率先公布了职责清单,196家部门单位共梳理了1754项职责事项。\n")
    ex = extract(segment(source(text)))
    assert [t.title for t in ex.tasks] == ["和平区率先公布了职责清单"]
    assert [o.text for o in ex.tasks[0].outcomes] == ["196家部门单位", "共梳理了1754项职责事项"]


def test_prose_owners_in_one_item_do_not_turn_a_report_into_a_plan():
    text = ("关于优化营商环境工作情况的报告\n一、工作进展及成效\n（一）简政放权持续深化。市级行政许可事项由486项精简至412项。\n"
            "（二）政务服务提质增效。“全程网办”率达到86%。\n三、下一步工作打算\n"
            "（一）优化涉企服务。由市政府办公室牵头，市营商环境建设局配合，10月底前建成惠企政策兑现平台。\n")
    ex = extract(segment(source(text)))
    assert [t.title for t in ex.tasks] == ["简政放权持续深化", "政务服务提质增效", "优化涉企服务"]
    assert [u.text for u in ex.tasks[2].lead_units] == ["市政府办公室"]


def test_a_summarys_plan_points_with_targets_are_tasks_but_its_problems_are_not():
    text = ("县2023年全面深化改革工作总结\n一、主要成效\n（一）放管服改革。网上可办率达到98%以上。\n"
            "二、存在的问题\n　　一是改革系统集成不够；二是个别乡镇专职改革工作人员不足2人。\n"
            "三、2024年工作打算\n　　重点抓好以下工作：一是持续优化营商环境，力争进入全省县（市）前10位；"
            "二是深化农村改革，新增土地流转面积3万亩以上；三是加强宣传。\n")
    ex = extract(segment(source(text)))
    assert [(t.title, [o.text for o in t.outcomes]) for t in ex.tasks] == [
        ("放管服改革", ["网上可办率达到98%以上"]),
        ("持续优化营商环境", ["力争进入全省县（市）前10位"]),
        ("深化农村改革", ["新增土地流转面积3万亩以上"])]


@pytest.mark.parametrize("text, expected", [
    ("全县营商环境评价位列全省县（市）第3位。", ("全县营商环境评价位列全省县(市)第3位", 3)),
    ("在全省营商环境评价中位列第4位。", ("在全省营商环境评价中位列第4位", 4)),
    ("办件量位居株洲市第1位。", ("办件量位居株洲市第1位", 1)),
    ("力争营商环境综合评价进入全省前5位。", ("力争营商环境综合评价进入全省前5位", 5)),
])
def test_rankings_of_every_form(text, expected):
    from kg.extract.shadow import make_shadow

    sh = make_shadow(text).text
    assert [(sh[h[1]:h[2]], h[3]["value"]) for h in find_outcomes(sh) if h[3]["unit"] == "rank"] == [expected]


@pytest.mark.parametrize("text", [
    "1.家校共育。家长负责，学校配合，开展活动12次。\n",
    "1.河湖治理。各级河长负责，相关部门积极配合，整治河道12条。\n",
    "1.行业自律。鼓励行业协会牵头，龙头企业参与，制定标准3项。\n",
    "1.工作格局。形成党委统一领导，政府负责，部门配合，社会参与的工作格局12项。\n",
])
def test_prose_that_names_no_body_owns_nothing(text):
    ex = extract(segment(source(text)))
    assert all(not t.lead_units and not t.support_units for t in ex.tasks)


def test_prose_owner_details():
    # an adverb before 配合 is no part of the helper's name; work done has no deadline
    ex = extract(segment(source("1.深化改革。县行政审批局要牵头，各部门密切配合，年底前完成。\n")))
    assert [u.text for u in ex.tasks[0].support_units] == ["各部门"]
    text = "县2023年工作总结\n一、主要成效\n（一）国企改革。县国资办牵头，县财政局配合，于6月底前完成了县属国企整合，整合企业5家。\n"
    assert extract(segment(source(text))).tasks[0].deadline is None
    # the owners in a plan's 保障措施 own no task, but are still units of the document
    text = ("一、重点任务\n（一）深化审批改革。压缩时限50%。（牵头单位：市行政审批局）\n二、保障措施\n"
            "（二）强化督导考核。市委督查室牵头，市政府督查室配合，每季度开展一次专项督查。\n")
    ex = extract(segment(source(text)))
    assert [t.title for t in ex.tasks] == ["深化审批改革"]
    assert {"市委督查室", "市政府督查室"} <= {u.text for u in ex.units}


def test_circled_points_with_owners_of_their_own_are_tasks():
    text = ("二、重点任务\n（1）推进审批服务便利化。\n①全面推行告知承诺制。（牵头单位：市行政审批局；完成时限：2024年12月底前）\n"
            "②推行容缺受理。（牵头单位：市政务服务中心；完成时限：2024年9月底前）\n")
    ex = extract(segment(source(text)))
    assert [(t.title, [u.text for u in t.lead_units]) for t in ex.tasks] == [
        ("全面推行告知承诺制", ["市行政审批局"]), ("推行容缺受理", ["市政务服务中心"])]   # (1) is their heading


def test_a_deadline_written_after_prose_owners_is_the_tasks():
    text = ("一要理顺管理体制。全面推行“党工委+公司”模式。市委编办要牵头，10月底前完成机构职能调整。\n"
            "二要深化薪酬改革。这项工作由市人社局牵头，市财政局配合，年底前出台实施办法。\n")
    ex = extract(segment(source("讲话\n" + text)))
    assert [(t.deadline.text if t.deadline else None) for t in ex.tasks] == ["10月底前", "年底前"]


def test_a_ranking_without_a_metric_ranks_the_figure_before_it():
    text = ("全市建成农村日间照料中心1468个,数量全省第一。颁发证书4114本,项目数量全省第三。"
            "试点任务完成全省排名第二。申报数位居全市第*。")
    hits = {text[h[1]:h[2]]: h[3] for h in find_outcomes(text)}
    assert hits["全市建成农村日间照料中心1468个"]["rank"] == "数量全省第一"
    assert "数量全省第一" not in hits
    # a ranking with a metric of its own, or with no figure before it, is an outcome: its place the value
    assert (hits["项目数量全省第三"]["unit"], hits["项目数量全省第三"]["value"]) == ("rank", 3)
    assert hits["试点任务完成全省排名第二"]["value"] == 2
    assert (hits["申报数位居全市第*"]["value"], hits["申报数位居全市第*"]["masked"]) == (None, True)


def test_a_news_sentence_opening_on_a_topic_is_not_a_place():
    text = ("记者 王明\n项目审批改革推进。审批时限压缩70%。在深化农村改革方面，全县确权土地28万亩。\n")
    ex = extract(segment(source(text)))
    assert [t.title for t in ex.tasks] == ["项目审批改革推进", "在深化农村改革方面"]


def test_a_news_paragraphs_progress_place_and_quote_sentences_stay_with_its_reform():
    text = ("记者 李娜\n"
            "项目审批“拿地即开工”。推行“标准地+承诺制”改革,审批时限压缩60%。已有9个工业项目实现“拿地即开工”,"
            "涉及总投资41.5亿元。在浦口镇便民服务中心,今年已累计上门服务430余次。"
            "“过去开一家门店要跑五六个部门,现在一个窗口就办好了。”市民王芳说,办事时间缩短了80%。\n")
    ex = extract(segment(source(text)))
    assert [t.title for t in ex.tasks] == ["项目审批“拿地即开工”"]
    assert len(ex.tasks[0].outcomes) == 5


def test_a_figure_that_lost_its_unit_takes_its_siblings():
    outs = [(h[3]["value"], h[3]["unit"]) for h in find_outcomes("出租1725亩,转包1520。")]
    assert outs == [(1725, "亩"), (1520, "亩")]


def test_chinese_numeral_counts_have_values():
    from kg.extract.rules import cn_number
    assert [cn_number(x) for x in ("一百二十", "两万", "三千五百万", "十二", "百")] == [120, 20000, 35_000_000, 12, 100]
    outs = [o for t in extract(segment(source("1、民生改革。提供就业岗位两万余个。\n"))).tasks for o in t.outcomes]
    assert [(o.value, o.unit) for o in outs] == [(20000, "个")]


def test_generic_addressees_in_prose_are_not_units_but_owners_are():
    text = ("1、深化审批改革。各部门要高度重视,各有關部門要抓好落实,区直各部门(单位)要细化措施。"
            "(市发改委牵头,有关部门按职责分工负责)\n")
    ex = extract(segment(source(text)))
    units = {m.text for m in ex.units}
    assert "各部门" not in units and "各有關部門" not in units
    assert "区直各部门(单位)" in units
    t = ex.tasks[0]
    assert [u.text for u in t.lead_units] == ["市发改委"]
    assert [u.text for u in t.support_units] == ["有关部门"]


@pytest.mark.parametrize("text, leads", [
    ("2014年2月,省委办公厅、省政府办公厅下发《重点改革任务分工方案》,将293项重点改革任务进行责任分解。\n",
     ["省委办公厅", "省政府办公厅"]),
    ("國務院一年多來已先後取消和下放7批共632項行政審批等事項。\n", ["國務院"]),
    # a body that is only talked about, or an addressee class, owns nothing
    ("1、市政务服务中心的窗口办理事项1200件,群众满意率99%。\n", []),
    ("1、各部门印发实施方案12个,推动改革落地。\n", []),
    ("1、市发改委印发实施方案12个,推动改革落地。\n", ["市发改委"]),
    # a person between the body and the verb, or the verb inside a noun phrase: no owner
    ("1、市委书记张三日前召开专题会议,部署改革12项。\n", []),
    ("1、国务院办公厅印发的《意见》出台后,我市承接事项45项。\n", []),
    ("1、省政府下放我市的45项事项全部承接到位。\n", []),
])
def test_the_acting_subject_of_a_narrative_item_is_its_lead(text, leads):
    ex = extract(segment(source(text)))
    assert len(ex.tasks) == 1
    assert [u.text for u in ex.tasks[0].lead_units] == leads


def test_a_group_set_up_to_run_the_reform_owns_it():
    text = ("1、坚持统筹推进。及时成立由县委主要领导任组长的两项改革工作领导小组,负责全县两项改革的总体设计、"
            "方案制定和督促落实,召开会议12次。\n")
    t = extract(segment(source(text))).tasks[0]
    assert [u.text for u in t.lead_units] == ["两项改革工作领导小组"]
    # a group only mentioned is no owner
    text = "1、坚持统筹推进。县领导小组办公室召开会议12次。\n"
    assert extract(segment(source(text))).tasks[0].lead_units == ()


def test_the_paragraph_under_a_summary_heading_is_a_task_when_quantified():
    text = ("一、总体情况\n2022年,我局全面实施“一枚印章管审批”,办理审批服务事项20.9万余件,按期办结率100%。\n"
            "1、审批制度改革纵深推进。承接的143项行政审批事项办理时限压缩60%。\n"
            "2、政务服务提质增效。推行帮办代办服务。\n"
            "二、存在问题\n改革认识有待深化,推进不够平衡。\n")
    ex = extract(segment(source(text)))
    intro = next(t for t in ex.tasks if "一枚印章管审批" in t.text)
    assert [o.text for o in intro.outcomes] == ["办理审批服务事项20.9万余件", "按期办结率100%"]
    assert "143项" not in intro.text                     # it ends where the first item starts
    assert not any("改革认识有待深化" in t.text for t in ex.tasks)   # unquantified: no task
    # problems and plans are no results, and only the paragraph right under the heading counts
    text = ("区行政审批服务局2022年工作总结\n一、总体情况\n全年办理审批服务事项20.9万余件。\n有关情况另行报告,涉及事项12项。\n"
            "1、审批制度改革纵深推进。承接的143项行政审批事项办理时限压缩60%。\n"
            "二、存在问题\n一是审批时限仍超过20个工作日;二是窗口人员平均仅有2人。\n")
    ex = extract(segment(source(text)))
    intro = [t for t in ex.tasks if t.id.endswith(".0")]
    assert [t.text for t in intro] == ["全年办理审批服务事项20.9万余件。"]


def test_the_subject_after_an_items_headline_sentence_leads_it():
    text = ("区2022年改革工作总结\n(三)投资审批改革。区发改委和区住建局印发实施方案3个。\n"
            "(四)商事改革。区市场监管局会同区税务局推行一网通办,办理业务1200件。\n")
    ex = extract(segment(source(text)))
    assert [(t.title, [u.text for u in t.lead_units]) for t in ex.tasks] == [
        ("投资审批改革", ["区发改委", "区住建局"]), ("商事改革", ["区市场监管局"])]


def test_figures_inside_cited_titles_are_not_outcomes():
    text = "1、优化营商环境。出台《关于优化营商环境30条措施》,印发《2023年全市40项重点改革任务清单》,办理业务1200件。\n"
    ex = extract(segment(source(text)))
    assert [o.text for t in ex.tasks for o in t.outcomes] == ["办理业务1200件"]
    assert [c.text for c in ex.tasks[0].cites] == ["关于优化营商环境30条措施", "2023年全市40项重点改革任务清单"]


def test_an_items_dot_is_no_part_of_a_unit():
    from kg.extract.rules import find_units

    text = "工作要求3.区委办公室负责统筹。"
    assert [text[h[1]:h[2]] for h in find_units(text)] == ["区委办公室"]


@pytest.mark.parametrize("text, title, lead, support, deadline", [
    # fields on the item's own line after its sentence, a (牵头) mark inside the unit list
    ("1.深化商事制度改革。责任单位：市市场监管局（牵头）、市发改委、市税务局。完成时限：2023年6月底前。\n",
     "深化商事制度改革", ["市市场监管局"], ["市发改委", "市税务局"], ("2023年6月底前", "2023-06-30")),
    ("（一）推进一网通办。牵头单位：市政务服务中心；配合单位：市大数据局、各县区政府；完成时间：2023年12月。\n",
     "推进一网通办", ["市政务服务中心"], ["市大数据局", "各县区政府"], ("2023年12月", "2023-12-31")),
    # a deadline without its label inside the owner bracket; the title ends at the bracket
    ("1.优化营商环境。（责任单位：市发改委，配合单位：市财政局；2023年底前完成）\n",
     "优化营商环境", ["市发改委"], ["市财政局"], ("2023年底前完成", "2023-12-31")),
    ("3、加快数字政府建设（市大数据局负责，2023年9月底前完成）\n",
     "加快数字政府建设", ["市大数据局"], [], ("2023年9月底前完成", "2023-09-30")),
])
def test_more_work_plan_field_formats(text, title, lead, support, deadline):
    ex = extract(segment(source(text)))
    assert len(ex.tasks) == 1
    t = ex.tasks[0]
    assert t.title == title
    assert [u.text for u in t.lead_units] == lead
    assert [u.text for u in t.support_units] == support
    assert (t.deadline.text, t.deadline.date) == deadline
    for u in t.lead_units + t.support_units:
        assert text[u.span.start:u.span.end] == u.text


def test_news_titles_skip_a_clause_that_only_says_when_and_names_stop_before_verbs():
    text = ("全市深化改革工作会议召开\n"
            "本报讯（记者 王小明）12月5日，全市深化改革工作会议召开。市委书记张三出席会议并讲话，市长李四主持。\n"
            "今年以来，我市共推出改革举措120项，其中国家级试点6项。“一网通办”改革成效显著，"
            "政务服务事项网上可办率达98%，办理时限压缩60%以上。\n")
    ex = extract(segment(source(text)))
    assert [t.title for t in ex.tasks] == ["我市共推出改革举措120项", "“一网通办”改革成效显著"]
    assert {p.text for p in ex.persons} >= {"市委书记张三", "市长李四"}
    for t in ex.tasks:
        assert t.title in t.text


@pytest.mark.parametrize("name", [
    "市大数据发展管理局", "区城市管理综合执法局", "市营商环境建设局", "省通信管理局", "县人民医院", "市委党校",
    "县疾控中心", "区人武部", "市委军民融合办", "市供销社", "市文广旅局", "市委党史研究室",
    "佛山市南海区政务服务数据管理局", "省政务服务和数字化建设管理局", "县地方金融服务中心", "人行XX县支行",
    "人行九江市中心支行", "市营商办",
])
def test_more_body_names_from_the_lexicon(name):
    from kg.extract.rules import find_units

    text = f"由{name}负责落实。"
    assert [text[h[1]:h[2]] for h in find_units(text)] == [name]


def test_tongzhi_is_an_address_and_the_core_formula_is_no_mention():
    from kg.extract.rules import find_persons

    def persons(text):
        return [text[h[1]:h[2]] for h in find_persons(text)]

    assert persons("王伟同志任区长。") == ["王伟"]
    assert persons("紧密团结在以习近平同志为核心的党中央周围。") == []
    assert persons("习近平总书记视察镇江。") == ["习近平总书记"]


@pytest.mark.parametrize("mark", ["(牽頭)", "[牵头]", "（牵头部门）", "(牵头负责)"])
def test_lead_marks_in_any_script_and_bracket(mark):
    text = f"1.推进一网通办。责任单位:市政务服务中心{mark}、市大数据局。\n"
    t = extract(segment(source(text))).tasks[0]
    assert [u.text for u in t.lead_units] == ["市政务服务中心"]
    assert [u.text for u in t.support_units] == ["市大数据局"]


def test_names_ending_in_qiang_before_diaoyan():
    from kg.extract.rules import find_persons

    text = "市委书记张志强调研,副市长王国强调度,市长李四强调要抓落实。"
    assert [text[h[1]:h[2]] for h in find_persons(text)] == ["市委书记张志强", "副市长王国强", "市长李四"]


def test_prose_after_a_mid_line_field_still_belongs_to_the_task():
    text = ("1.深化商事制度改革。牵头单位:市市场监管局。全面落实《市场主体登记管理条例》,企业开办时间压缩至1个工作日以内。\n"
            "2.推进审批改革。牵头单位:市政务服务中心。\n")
    t1, t2 = extract(segment(source(text))).tasks
    assert [c.text for c in t1.cites] == ["市场主体登记管理条例"]
    assert [o.text for o in t1.outcomes] == ["企业开办时间压缩至1个工作日以内"]
    assert (t2.cites, t2.outcomes) == ((), ())


@pytest.mark.parametrize("text, lead, deadline", [
    ("1.推进一网通办（2023年12月底前完成，县政务服务中心牵头）\n", ["县政务服务中心"], ("2023年12月底前完成", "2023-12-31")),
    ("1.深化改革（县发改委牵头，于2023年底前完成）\n", ["县发改委"], ("于2023年底前完成", "2023-12-31")),
    ("1.持续优化营商环境（县发改委负责，长期）\n", ["县发改委"], ("长期", None)),
])
def test_bare_deadlines_first_or_last_in_the_owner_bracket(text, lead, deadline):
    t = extract(segment(source(text))).tasks[0]
    assert [u.text for u in t.lead_units] == lead
    assert (t.deadline.text, t.deadline.date) == deadline


@pytest.mark.parametrize("text, number", [
    ("落实《关于X的通知》(国办发〔2022〕2号)。", "国办发〔2022〕2号"),
    ("落实《关于X的通知》（豫政〔2023〕5号文件）。", "豫政〔2023〕5号"),
    ("落实《关于X的意见》（国发〔2022〕第5号）。", "国发〔2022〕第5号"),
    ("落实《关于X的意见》（试行）。", None),
])
def test_the_document_number_after_a_cited_title(text, number):
    from kg.extract.rules import find_policies

    (hit,) = find_policies(text)
    assert hit[3].get("doc_number") == number


@pytest.mark.parametrize("value, units", [
    ("区“双随机、一公开”监管工作联席会议各成员单位、区市场监管局",
     ["区“双随机、一公开”监管工作联席会议各成员单位", "区市场监管局"]),     # no split inside quotes
    ("区商务局及相关行业主管部门", ["区商务局", "相关行业主管部门"]),             # 及 joining two bodies
    ("区发改委和区财政局", ["区发改委", "区财政局"]),
    ("文化和旅游局", ["文化和旅游局"]),                                          # 和 inside one name
])
def test_split_units_quotes_and_conjunctions(value, units):
    assert [u for u, _, _ in split_units(value)] == units


@pytest.mark.parametrize("text, expected", [
    ("由夷陵经济开发区管委会负责。", ["夷陵经济开发区管委会"]),          # 经济 is no 经 (by way of)
    ("天水经济技术开发区管委会牵头。", ["天水经济技术开发区管委会"]),
    ("经市政府同意,成立工作专班。", ["市政府"]),
    ("由金庭镇人民政府负责,小溪塔街道办事处配合。", ["金庭镇人民政府", "小溪塔街道办事处"]),
    ("各部门要推进镇人民政府改革。", ["各部门", "镇人民政府"]),       # no town name: a verb before it
    ("由属地镇人民政府负责,有关镇人民政府配合。", ["镇人民政府", "镇人民政府"]),
    ("各镇(区)、街道负责。", ["各镇(区)、街道"]),
    ("区城市管理和综合执法局负责。", ["区城市管理和综合执法局"]),
    ("财政局和税务局负责。", ["财政局", "税务局"]),
    ("中共鹿邑县委全面深化改革委员会办公室印发,中共中央办公厅转发。",
     ["中共鹿邑县委全面深化改革委员会办公室", "中共中央办公厅"]),
])
def test_unit_names_with_their_own_places_and_joined_cores(text, expected):
    from kg.extract.rules import find_units

    assert [text[h[1]:h[2]] for h in find_units(text)] == expected


def test_party_committee_supervision_office_is_one_body():
    from kg.extract.rules import find_units

    text = "由市委督查室、市政府督查室负责。"
    assert [text[h[1]:h[2]] for h in find_units(text)] == ["市委督查室", "市政府督查室"]


@pytest.mark.parametrize("text, lead, support, persons", [
    ("1.推进审批改革。这项工作由市行政审批局牵头，市住建局要主动配合。\n", ["市行政审批局"], ["市住建局"], []),
    ("1.深化农业改革。这项改革由县长李明远同志牵头，县农业农村局、县供销社具体负责。\n",
     ["县农业农村局", "县供销社"], [], ["县长李明远"]),
    # a speech's directive: the owners in the middle of the paragraph
    ("一要推进开发区整合。全市开发区由7个整合为5个。市发展改革委要牵头，市商务局、市自然资源局配合，"
     "于9月底前完成整合方案编制。\n", ["市发展改革委"], ["市商务局", "市自然资源局"], []),
    ("一要强化要素保障。盘活低效用地3000亩以上。市自然资源局负责，各县区政府配合抓好落实。\n",
     ["市自然资源局"], ["各县区政府"], []),
    # a number of leaders named to lead is no body
    ("一要细化方案。明确12名县级领导牵头，组织开展调研29项。\n", [], [], []),
    # a leader leads: the bodies that carry it out own it, the ones that help support it
    ("1.深化营商环境改革。由常务副县长段志刚同志牵头，县政务服务管理局、县市场监督管理局抓好落实。\n",
     ["县政务服务管理局", "县市场监督管理局"], [], ["常务副县长段志刚"]),
    ("1.深化水资源改革。副县长赵惠琴同志牵头负责，县水务局、县财政局配合。\n",
     [], ["县水务局", "县财政局"], ["副县长赵惠琴"]),
])
def test_prose_owners_lose_their_framing_words(text, lead, support, persons):
    t = extract(segment(source(text))).tasks[0]
    assert [u.text for u in t.lead_units] == lead
    assert [u.text for u in t.support_units] == support
    assert [p.text for p in t.lead_persons] == persons


@pytest.mark.parametrize("text, units", [
    ("年内完成县委部署的任务。", ["县委"]),                               # not 成县 + 委
    ("由县委改革办会同县委督查室开展督察。", ["县委改革办", "县委督查室"]),  # not 会同县 + 委督查室
    ("由和平区政务服务中心负责。", ["和平区政务服务中心"]),               # a word-like place after 由
])
def test_word_like_county_names_do_not_open_a_unit_inside_a_word(text, units):
    from kg.extract.rules import find_units

    assert [text[h[1]:h[2]] for h in find_units(text)] == units


def test_an_owner_bracket_running_over_a_pdf_line_break():
    text = ("1.推行包容审慎监管。首违不罚案件按季度公示。（牵头单位：区司法局；责任单位：区市场监管局、市生态环境局汇川分\n"
            "局；完成时限：2024年12月底前）\n2.优化服务。（牵头单位：区政务服务中心）\n")
    t1, t2 = extract(segment(source(text))).tasks
    assert [u.text for u in t1.lead_units] == ["区司法局"]
    assert [u.text for u in t1.support_units] == ["区市场监管局", "市生态环境局汇川分\n局"]
    assert (t1.deadline.text, t1.deadline.date) == ("2024年12月底前", "2024-12-31")
    assert [u.text for u in t2.lead_units] == ["区政务服务中心"]


def test_towns_and_sub_districts_named_on_their_own():
    text = ("1、推进基层改革。在桂城街道、大沥镇试点，金牛镇全面推开，陈埭镇、磁灶镇便民服务中心实现一窗受理，"
            "推进城镇化，建设5个中心镇，印发镇江市实施方案。\n")
    ex = extract(segment(source(text)))
    assert [p.text for p in ex.places] == ["桂城街道", "大沥镇", "金牛镇", "陈埭镇", "磁灶镇", "镇江市"]


def test_a_body_inside_a_membership_role_is_no_unit_mention():
    text = "1、强化组织领导。县委常委、副县长王强主持会议，县发改委汇报了进展，办理事项12项。\n"
    ex = extract(segment(source(text)))
    assert [u.text for u in ex.units] == ["县发改委"]


def _owners(text: str) -> list[tuple[list[str], list[str]]]:
    ex = extract(segment(source(text)))
    return [([u.text for u in t.lead_units], [u.text for u in t.support_units]) for t in ex.tasks]


@pytest.mark.parametrize("value, expected", [
    ("州委编办及州直相关单位", ["州委编办", "州直相关单位"]),
    ("市级各有关部门及各县市区政府", ["市级各有关部门", "各县市区政府"]),
    ("市級各有關部門及各縣市區政府", ["市級各有關部門", "各縣市區政府"]),
    ("区委办和区政府办", ["区委办", "区政府办"]),
    # 和 inside one body's name joins no two bodies
    ("区城市管理和综合执法局", ["区城市管理和综合执法局"]),
    ("区人力资源和社会保障局、区发展和改革局", ["区人力资源和社会保障局", "区发展和改革局"]),
])
def test_and_between_two_whole_bodies_splits_them(value, expected):
    assert [u for u, _, _ in split_units(value)] == expected


def test_an_owner_bracket_cut_off_with_the_excerpt_is_read_without_its_cut_name():
    text = ("1.严格落实审查制度。(牵头单位:区政府办公室;责任单位:区政府有关部门)\n"
            "2.深化投资审批制度改革,简化报建手续。(牵头单位:区行政审批服务局、区发展改革局;责任单位:区政")
    assert _owners(text) == [(["区政府办公室"], ["区政府有关部门"]),
                             (["区行政审批服务局", "区发展改革局"], [])]


def test_a_field_value_cut_off_by_the_end_of_the_text_loses_only_the_cut_name():
    text = "1.财政收入与经济增长同步。\n责任单位:县财政局。\n\n2.防范化解风险隐患。\n\n责任单位:县金融办、县财"
    assert _owners(text) == [(["县财政局"], []), (["县金融办"], [])]
    # a whole name at the very end stays
    assert _owners("1.防范化解风险隐患。\n责任单位:县财政局")[0] == (["县财政局"], [])


def test_names_listed_after_a_role_and_name_are_persons_with_that_role():
    text = "省委常委、常务副省长黄楚平主持会议。副省长万勇、童道驰、陈安丽出席会议。县政府办副主任黄团国、潘炳煌等陪同。"
    ex = extract(segment(source(text)))
    got = {(p.text, p.attrs.get("role")) for p in ex.persons}
    assert got == {("副省长黄楚平", "副省长"), ("副省长万勇", "副省长"), ("童道驰", "副省长"), ("陈安丽", "副省长"),
                   ("副主任黄团国", "副主任"), ("潘炳煌", "副主任")}


def test_a_deadline_at_the_very_end_of_the_text_is_no_cut_name():
    ex = extract(segment(source("1.推进政务服务标准化。\n牵头单位:区财政局\n完成时限:2023年6月底前")))
    assert ex.tasks[0].deadline is not None and ex.tasks[0].deadline.text == "2023年6月底前"


@pytest.mark.parametrize("text, expected", [
    ("各乡镇人民政府,县政府直属各单位:", "县政府直属各单位"),
    ("各街道,区属各企事业单位:", "区属各企事业单位"),
    ("各镇人民政府,区级各部门、各管委会、各人民团体,有关单位:", "区级各部门"),
    ("印发给各区直部门。", "各区直部门"),
])
def test_a_collective_keeps_its_jurisdictions_qualifier(text, expected):
    ex = extract(segment(source(text)))
    assert expected in {u.text for u in ex.units}


def test_a_qualified_collective_used_as_a_modifier_is_no_mention():
    ex = extract(segment(source("和平区公布了区级各部门单位的职责清单,48名县级部门主要领导参加。")))
    assert not {"区级各部门", "县级部门"} & {u.text for u in ex.units}
