import pytest

from kg.segment import segment
from tests.conftest import SEED_003, source


def seed003():
    return segment(source(SEED_003.read_text(encoding="utf-8"), str(SEED_003)))


def test_seed003_metadata():
    st = seed003()
    assert st.doc_number == "伊区政办发〔2023〕13号"
    assert st.year == 2023
    assert st.date == "2023-04-14"
    assert st.genre == "workplan"
    assert st.title.endswith("工作要点》的通知")


def test_seed003_items_have_their_field_lines():
    st = seed003()
    with_fields = [it for it in st.items if it.fields]
    assert len(with_fields) == 40
    first = with_fields[0]
    assert first.title == "落实一网一门一次改革"
    labels = {(f.label, f.value) for f in first.fields}
    assert ("lead", "区政府办(区政务服务中心)") in labels
    assert ("owner", "各乡镇(街道),区直各相关部门(单位)") in labels
    assert ("deadline", "202312月底前") in labels
    text = st.source.text
    for it in with_fields:
        for f in it.fields:
            assert text[f.value_span.start:f.value_span.end] == f.value


def test_field_value_continues_over_pdf_line_breaks():
    st = seed003()
    item40 = [it for it in st.items if it.fields][-1]
    owner = next(f for f in item40.fields if f.label == "owner")
    assert owner.value.startswith("区税务局、公安局")
    assert owner.value.endswith("科工信局,市生态环境局伊州分局")


def test_inline_bracket_fields_with_nested_brackets():
    text = ("一、优化服务\n(一)持续加大简政放权力度。削减审批事项。"
            "(责任单位:市行政审批局、住建局,各市(区)人民政府,医药高新区管委会)\n"
            "(二)优化工程项目许可办理。推行并联审批。(市住建局牵头,市自然资源局等按职责分工负责)\n")
    st = segment(source(text))
    assert [it.title for it in st.items] == ["持续加大简政放权力度", "优化工程项目许可办理"]
    f1 = st.items[0].fields
    assert [(f.label, f.value) for f in f1] == [("owner", "市行政审批局、住建局,各市(区)人民政府,医药高新区管委会")]
    f2 = {(f.label, f.value) for f in st.items[1].fields}
    assert ("lead", "市住建局") in f2
    assert ("owner", "市自然资源局等") in f2 or ("owner", "市自然资源局") in f2


def test_inline_numbered_sub_items_and_lead_verb():
    text = ("一、持续减少审批事项\n1.深化商事制度改革。(1)全面落实多证合一改革。按照原则整合。(市工商质监局牵头负责)"
            "(2)完善企业登记全程电子化。推行网上申请。(市工商质监局牵头负责)\n")
    st = segment(source(text))
    assert [it.title for it in st.items] == ["全面落实多证合一改革", "完善企业登记全程电子化"]
    assert [(f.label, f.value) for f in st.items[0].fields] == [("lead", "市工商质监局")]


def test_noisy_document_numbers():
    for raw, expect in (("镇政办发〔2015179\n", "镇政办发〔2015179"), ("伊区政办发〔202313号", "伊区政办发〔202313号")):
        st = segment(source(f"关于印发工作方案的通知\n{raw}\n正文。"))
        assert st.doc_number == expect


def test_one_line_document_title_and_items():
    text = ("河南省人民政府 关于明确重点工作责任单位的通知 豫政〔2023〕5号 现将任务予以分解。 一、加快提振市场信心 "
            "(一)全面促进消费增长。 1.把恢复和扩大消费摆在优先位置,改善消费条件。(省商务厅、财政厅等相关部门按职责分工负责) "
            "2.落实好提振市场信心90条措施。(省发展改革委牵头,省商务厅等相关部门按职责分工负责)")
    st = segment(source(text))
    assert st.title == "河南省人民政府 关于明确重点工作责任单位的通知"
    assert st.doc_number == "豫政〔2023〕5号"
    assert [it.title for it in st.items] == ["把恢复和扩大消费摆在优先位置", "落实好提振市场信心90条措施"]
    assert ("lead", "省发展改革委") in {(f.label, f.value) for f in st.items[1].fields}


def test_points_inside_numbered_items_are_not_items():
    text = ("二、聚焦重点领域\n(一)深化科技创新体制改革,创新活力持续迸发。一是完善创新平台运行机制。二是发挥企业作用。\n"
            "(二)深化国资国企改革,赋能发展。一是加快布局优化。\n")
    st = segment(source(text))
    assert [it.title for it in st.items] == ["深化科技创新体制改革", "深化国资国企改革"]


def test_top_level_points_are_items():
    text = "主要有三方面做法:\n一是加强组织领导,健全工作机制。\n二是注重谋划部署,加强业务指导。\n"
    st = segment(source(text))
    assert [it.title for it in st.items] == ["加强组织领导", "注重谋划部署"]


def test_genre_ignores_cited_titles():
    from kg.segment import guess_genre

    head = "一年来,全区印发《改革实施方案》《工作实施意见》,截至目前完成改革事项**项。"
    assert guess_genre(head, None) == "summary"


def test_flattened_task_table():
    text = ("附件\n2023年重点任务分工表\n"
            "序号\t重点任务\t牵头单位\t责任单位\t完成时限\n"
            "1\t推进政务服务一网通办,提升办件覆盖面\t市政务服务中心\t市直各部门\t2023年6月底前\n"
            "2\t深化工程建设项目审批制度改革\t市住建局\t市自然资源局、市发改委\t2023年12月底前\n")
    st = segment(source(text))
    assert [it.title for it in st.items] == ["推进政务服务一网通办", "深化工程建设项目审批制度改革"]
    f2 = {(f.label, f.value) for f in st.items[1].fields}
    assert f2 == {("lead", "市住建局"), ("owner", "市自然资源局、市发改委"), ("deadline", "2023年12月底前")}
    for it in st.items:
        for f in it.fields:
            assert text[f.value_span.start:f.value_span.end] == f.value


def test_space_separated_table():
    text = ("序号 工作任务 责任单位 完成时间\n"
            "1 建立企业开办全程网办机制 区市场监管局 2023年6月\n"
            "2 推行证明事项告知承诺制 区司法局、区直各部门(单位) 长期坚持\n")
    st = segment(source(text))
    assert [(it.number, it.title) for it in st.items] == [("1", "建立企业开办全程网办机制"), ("2", "推行证明事项告知承诺制")]
    assert ("owner", "区司法局、区直各部门(单位)") in {(f.label, f.value) for f in st.items[1].fields}


def test_tabbed_table_with_section_rows_and_rows_split_by_runs_of_spaces():
    text = ("序号\t工作任务\t责任领导\t牵头单位\t配合单位\t完成时限\n"
            "一、政务服务（2项）\n"
            "1\t深化“高效办成一件事”改革\t副区长向文斌\t区行政审批局\t区公安分局、区人社局\t2024年6月底前\n"
            "2     实现“一网通办”率98%以上    副区长向文斌    区政务服务中心    区直各有关单位    2024年12月底前\n"
            "二、企业服务（1项）\n"
            "3  走访企业不少于300家次  区委常委、统战部部长覃海燕  区委统战部  区商务局  202412月底前\n")
    st = segment(source(text))
    assert [(it.number, it.title) for it in st.items] == [
        ("1", "深化“高效办成一件事”改革"), ("2", "实现“一网通办”率98%以上"), ("3", "走访企业不少于300家次")]
    assert ("lead", "区政务服务中心") in {(f.label, f.value) for f in st.items[1].fields}
    from kg.extract.pipeline import extract
    assert [p.text for p in extract(st).tasks[2].lead_persons] == ["统战部部长覃海燕"]   # a role alone is nobody


def test_tabbed_table_whose_cells_hold_runs_of_spaces():
    text = ("序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
            "1\t推行企业开办“一网通办”，  开办时间压缩至1个工作日\t区市场监管局\t区税务局\t2023年6月底前\n"
            "二、 要素市场改革（1项）\n"
            "2\t推行证明事项告知承诺制\t区司法局\t区直各部门\t长期坚持\n")
    st = segment(source(text))
    assert [it.number for it in st.items] == ["1", "2"]


def test_circled_points_of_an_item_and_its_owner_bracket_after_them():
    text = ("二、重点任务\n1.提升政务服务效能\n(1)深化“高效办成一件事”。分批推进：\n①年内上线13个“一件事”；\n"
            "②平均办理时间压缩60%以上。\n（牵头单位：市行政审批局；配合单位：市市场监管局；完成时限：2024年6月底前）\n"
            "(2)推进政务服务标准化。\n①编制实施清单；\n②达标率100%。\n（牵头单位:市行政审批局;完成时限:2024年9月底前）\n")
    st = segment(source(text))
    assert [(it.number, it.title, [f.value for f in it.fields if f.label == "lead"]) for it in st.items] == [
        ("二.1.1", "深化“高效办成一件事”", ["市行政审批局"]), ("二.1.2", "推进政务服务标准化", ["市行政审批局"])]
    assert "②平均办理时间压缩60%以上" in st.items[0].text


def test_numbering_that_runs_on_across_sections():
    text = ("一、打造政务服务环境\n（一）推进一件事。新增主题15个。（牽頭單位：區政務服務中心）\n"
            "（二）深化通办。新增事项20项。（牽頭單位：區政務服務中心）\n"
            "二、打造法治环境\n（三）推进综合查一次。（牽頭單位：區司法局）\n（四）深化知识产权保护。（牽頭單位：區市場監管局）\n")
    st = segment(source(text))
    assert [(it.number, it.title) for it in st.items if it.level == 2] == [
        ("一.一", "推进一件事"), ("一.二", "深化通办"), ("二.三", "推进综合查一次"), ("二.四", "深化知识产权保护")]


def test_traditional_script_field_lines_keep_the_original_text():
    text = "一、重點任務\n1.深化政務服務改革。\n牽頭單位:區政務服務中心\n責任單位:區直各部門(單位)\n完成時限:2023年12月底前\n"
    st = segment(source(text))
    item = [it for it in st.items if it.fields][0]
    assert item.title == "深化政務服務改革"
    got = {(f.label, f.value) for f in item.fields}
    assert got == {("lead", "區政務服務中心"), ("owner", "區直各部門(單位)"), ("deadline", "2023年12月底前")}
    for f in item.fields:
        assert text[f.value_span.start:f.value_span.end] == f.value


def test_page_number_between_the_halves_of_a_unit_list():
    text = ("1.优化营商环境。\n责任单位:区税务局、公安局、财政局、\n\n- 12 -\n\n科工信局,市生态环境局伊州分局\n"
            "完成时限:202312月底前\n")
    st = segment(source(text))
    owner = next(f for f in st.items[0].fields if f.label == "owner")
    assert owner.value.startswith("区税务局") and owner.value.endswith("市生态环境局伊州分局")


def test_lost_item_number_is_restored_from_the_headline_sentence():
    text = ("一、经济体制改革进展情况\n1、建立健全市场监管机制，持续推进登记改革。\n"
            "推进市场价格机制改革。贯彻落实若干意见，规范价格行为。\n3、积极推进城乡一体化建设，成效明显。\n")
    st = segment(source(text))
    assert [(it.number, it.title) for it in st.items] == [
        ("一.1", "建立健全市场监管机制"), ("一.2", "推进市场价格机制改革"), ("一.3", "积极推进城乡一体化建设")]


def test_page_number_inside_a_broken_sentence_is_not_an_item():
    text = ("1、立足建设一流的行政服务大厅。市级大厅运行三年以来,共办理各类行政审批、行政审批、行政审批、行政服\n"
            "2、务事项30余万件,按时办结率100%。\n")
    st = segment(source(text))
    assert [it.number for it in st.items if it.level] == ["1"]
    # ...and the item goes on over the page break: its body holds the rest of the sentence
    item = next(it for it in st.items if it.level)
    assert text.index("按时办结率100%") < item.body_span.end


def test_first_heading_glued_to_the_title_line():
    text = ("1、2022年在全市行政服务大厅工作会议上的讲话一、立足建设全国一流的行政服务大厅,"
            "把思想统一到市委的决策部署上来。各级大厅主动进取,锐意创新,取得了显著成果。\n"
            "二、突出工作重点,持续深化行政审批制度改革。\n")
    st = segment(source(text))
    assert [(it.level, it.number, it.title) for it in st.items if it.level == 1] == [
        (1, "一", "立足建设全国一流的行政服务大厅"), (1, "二", "突出工作重点")]
    # a 一、 inside ordinary prose is still no heading
    prose = "会议强调,要抓好三件事:一、二季度要完成目标。\n"
    assert not [it for it in segment(source(prose)).items if it.level == 1]


def test_a_cut_excerpt_does_not_swallow_what_follows():
    # the next item after a line cut mid-word is still an item (its number follows, a headline after it)
    text = ("1.深化审批改革。全年办理审批事项3000余件,惠及群众和企业办事人员、群众和企业办事人员、惠及群众和企\n"
            "2.优化营商环境。开办企业压缩至0.5个工作日。\n")
    st = segment(source(text))
    assert [it.number for it in st.items if it.level] == ["1", "2"]
    # a plain paragraph after the last item is not glued to it: only a page number continues a sentence
    text = ("1.深化审批改革。全年办理审批事项3000余件,惠及群众和企业办事人员、群众和企业办事人员、惠及群众和企\n"
            "2024年,全县将力争新增市场主体6000户。\n")
    item = next(it for it in segment(source(text)).items if it.level)
    assert "6000户" not in item.text


def test_glued_title_rule_only_for_the_first_heading():
    text = ("1、深化改革。会上市统计局作全市经济运行情况汇报一、二季度全市GDP增长6%。\n"
            "2、优化服务。推行帮办代办。\n")
    st = segment(source(text))
    assert not [it for it in st.items if it.level == 1]
    assert [it.number for it in st.items if it.level == 3] == ["1", "2"]


def test_an_item_that_opens_with_a_date():
    text = "1.深化审批改革。推行承诺制。\n2.2023年3月,出台《审批改革实施方案》。\n3.优化服务。推行帮办代办。\n"
    st = segment(source(text))
    assert [it.number for it in st.items if it.level] == ["1", "2", "3"]
    # a decimal is still no marker
    assert [it.number for it in segment(source("1.压缩时限。时限压缩至2.5个工作日。\n")).items if it.level] == ["1"]


def test_lenticular_bracket_labels_are_field_labels():
    text = ("1.全面推行证明事项告知承诺制。【牵头单位】市司法局【配合单位】市直各部门【完成时限】2023年6月底前\n"
            "2.深化工程审批改革。【牵头单位】市住建局【完成时限】2023年12月\n")
    st = segment(source(text))
    got = [[(f.label, f.value) for f in it.fields] for it in st.items]
    assert got == [[("lead", "市司法局"), ("support", "市直各部门"), ("deadline", "2023年6月底前")],
                   [("lead", "市住建局"), ("deadline", "2023年12月")]]
    assert st.items[0].title == "全面推行证明事项告知承诺制"


@pytest.mark.parametrize("text", [
    "序号|改革任务|牵头单位|配合单位|完成时限\n1|深化放管服改革|市政府办|市司法局、市财政局|2023年12月\n",
    "| 序号 | 改革任务 | 牵头单位 | 配合单位 | 完成时限 |\n| 1 | 深化放管服改革 | 市政府办 | 市司法局、市财政局 | 2023年12月 |\n",
])
def test_pipe_separated_task_table(text):
    st = segment(source(text))
    assert [it.title for it in st.items] == ["深化放管服改革"]
    assert [(f.label, f.value) for f in st.items[0].fields] == [
        ("lead", "市政府办"), ("support", "市司法局、市财政局"), ("deadline", "2023年12月")]


def test_a_speechs_first_second_points():
    text = ("在全市改革工作会议上的讲话\n同志们：\n今年改革工作要抓好以下几点。第一，深化行政审批制度改革，"
            "年内将审批时限压缩50%以上。第二，推进国资国企改革，完成12家企业混改。第三批试点也要跟上。\n")
    st = segment(source(text))
    assert [(it.number, it.title) for it in st.items if it.level == 4] == [
        ("一", "深化行政审批制度改革"), ("二", "推进国资国企改革")]     # 第三批 is no point
    # the 一是/二是 inside them stay part of their point; 第二, survives them
    text = ("在全市改革工作会议上的讲话\n同志们：\n要抓好以下几点：第一，提高政治站位。一是统一思想；二是压实责任。\n"
            "第二，突出改革重点。一是深化审批改革；二是推进国企改革。\n")
    assert [(it.level, it.number, it.title) for it in segment(source(text)).items if it.level] == [
        (4, "一", "提高政治站位"), (4, "二", "突出改革重点")]


def test_unit_lists_are_cut_at_the_sentence_end_not_at_semicolons():
    st = segment(source("2.推进供销社综合改革。\n责任单位:县供销社;县财政局\n"))
    assert [(f.label, f.value) for f in st.items[0].fields] == [("owner", "县供销社;县财政局")]
    st = segment(source("1.深化审批改革。责任单位:市住建局。审批时限压缩至60个工作日。完成时限:2023年6月底前。\n"))
    assert [(f.label, f.value) for f in st.items[0].fields] == [("owner", "市住建局"), ("deadline", "2023年6月底前")]


def test_markdown_table_with_a_rule_line_and_an_empty_cell():
    text = ("| 序号 | 改革任务 | 牵头单位 | 配合单位 | 完成时限 |\n| --- | --- | --- | --- | --- |\n"
            "| 1 | 深化放管服改革 | 市政府办 | 市司法局 | 2023年12月 |\n"
            "| 2 | 推进国企改革 | 市国资委 |  | 2023年12月底前 |\n")
    st = segment(source(text))
    assert [it.title for it in st.items] == ["深化放管服改革", "推进国企改革"]
    assert [(f.label, f.value) for f in st.items[1].fields] == [("lead", "市国资委"), ("deadline", "2023年12月底前")]


def test_lenticular_labels_with_a_colon_in_traditional_script():
    text = "1.推進國企改革。【牽頭單位】：市國資委【完成時限】：2023年第三季度\n"
    st = segment(source(text))
    assert [(f.label, f.value) for f in st.items[0].fields] == [("lead", "市國資委"), ("deadline", "2023年第三季度")]


@pytest.mark.parametrize("text, title", [
    ("1.推进河湖长制(由县领导担任河长)落实。\n", "推进河湖长制(由县领导担任河长)落实"),
    ("2.建立企业首席质量官(质量负责人)制度。\n", "建立企业首席质量官(质量负责人)制度"),
    ("3、加快数字政府建设（市大数据局负责，2023年9月底前完成）\n", "加快数字政府建设"),
])
def test_a_title_ends_only_at_a_bracket_that_names_owners(text, title):
    assert [it.title for it in segment(source(text)).items] == [title]


@pytest.mark.parametrize("text, title", [
    ("2023年1-9月，全市新增市场主体2万户。", "全市新增市场主体2万户"),
    ("截至2023年10月底，全区办理业务3万件。", "全区办理业务3万件"),
    ("党的十八大以来，我市累计取消审批事项200项。", "我市累计取消审批事项200项"),
    ("近三年来，我市推进改革。", "我市推进改革"),
    ("深化审批改革，压缩时限50%。", "深化审批改革"),
])
def test_a_title_skips_a_clause_that_only_says_when(text, title):
    from kg.segment import title_span

    sp = title_span(text, 0, len(text))
    assert text[sp.start:sp.end] == title


def test_table_rows_broken_by_pdf_line_breaks_and_page_numbers():
    text = ("序号\t工作任务\t牵头单位\t责任单位\t完成时间\n"
            "1\t迭代升级公共数据平台\t市大数据发展中心\t市委网信办、市经信局\t2023年6月\n"
            "2\t推动重大应用贯通落地\t市委改革办（市数字化改革专班办\n公室）\t各系统牵头单位\t2023年11月\n"
            "— 2 —\n"
            "3\t推广“浙企码”应用\t市经信局\t市市场监管局\t2023年9月\n"
            "二、工作要求\n（一）强化组织领导。市委改革办负责统筹协调，各单位要落实责任。\n")
    st = segment(source(text))
    rows = [it for it in st.items if it.number in ("1", "2", "3")]
    assert [it.title for it in rows] == ["迭代升级公共数据平台", "推动重大应用贯通落地", "推广“浙企码”应用"]
    lead = next(f for f in rows[1].fields if f.label == "lead")
    assert lead.value == "市委改革办（市数字化改革专班办\n公室）"
    assert ("deadline", "2023年11月") in [(f.label, f.value) for f in rows[1].fields]
    assert not any("工作要求" in it.title for it in rows)


def test_a_heading_whose_title_starts_with_digits():
    text = ("（三）政务服务提质增效。办理业务3万件。\n（四）12345热线服务更加高效。受理诉求67.2万件。\n"
            "（五）工程审批改革纵深推进。审批时限压缩50%。\n")
    assert [(it.number, it.title) for it in segment(source(text)).items] == [
        ("三", "政务服务提质增效"), ("四", "12345热线服务更加高效"), ("五", "工程审批改革纵深推进")]


def test_a_page_footer_between_items_is_no_item():
    text = ("二、聚焦重点\n（一）深化农业经营体制改革。新培育合作社15家。\n（二）深化营商环境改革。开办压缩至1个工作日。\n"
            "第 2 页 共 6 页\n（三）深化县域医共体改革。县域内就诊率稳定在90%以上。\n")
    st = segment(source(text))
    assert [it.title for it in st.items] == ["深化农业经营体制改革", "深化营商环境改革", "深化县域医共体改革"]
