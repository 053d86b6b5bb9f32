"""The read stage: encodings, the ``# source:`` header, HTML, .docx, .pdf, errors, folders."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kg.errors import InputError
from kg.read import (
    DEFAULT_MAX_BYTES,
    SUPPORTED_SUFFIXES,
    decode_bytes,
    iter_files,
    read_file,
    read_text,
)
from tests.conftest import ROOT, SEED_003

# A traditional-script passage (Big5-encodable), so the Big5 test needs no shared corpus.
TRAD = (
    "為深化行政審批制度改革，濱海新區將分散在十八個部門的二百一十六項審批職責，"
    "全部劃轉到新成立的行政審批局，實現「一顆印章管審批」。\n"
    "改革後，企業設立登記時間由原來的十個工作日縮短為一個工作日，項目審批時限壓縮百分之七十五以上。\n"
    "（牽頭單位：區政府辦公室；配合單位：區發展和改革委員會、區市場監督管理局；完成時限：2014年12月底前）\n"
)


def seed_text() -> str:
    return SEED_003.read_text(encoding="utf-8")


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    p.write_bytes(data)
    return p


def expect_error(path, reason: str, **kw) -> InputError:
    with pytest.raises(InputError) as info:
        read_file(path, **kw)
    err = info.value
    shown = os.fspath(path)
    assert err.path == shown
    assert shown in str(err)
    assert reason in err.reason, err.reason
    assert reason in str(err)
    return err


# --------------------------------------------------------------------------- encodings


def test_seed_document_is_real_and_chinese():
    text = seed_text()
    assert len(text) > 10000 and "伊州区" in text
    assert "\r" not in text


def _gbk_compatible(text: str) -> str:
    return "".join(c for c in text if c.encode("gbk", "ignore") or c in "\n\t")


@pytest.mark.parametrize(
    ("codec", "prefix", "expected_encoding", "transform"),
    [
        ("utf-8", b"", "utf-8", None),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig", None),
        ("gb18030", b"", "gb18030", None),          # the seed has "•", outside GBK
        ("gbk", b"", "gb18030", _gbk_compatible),   # GBK bytes are GB18030 bytes
        ("utf-16-le", b"\xff\xfe", "utf-16-le", None),
        ("utf-16-be", b"\xfe\xff", "utf-16-be", None),
        ("utf-16-le", b"", "utf-16-le", None),      # no BOM: NUL bytes on one parity
    ],
)
def test_seed_document_in_each_encoding_reads_back_exactly(tmp_path, codec, prefix, expected_encoding, transform):
    original = seed_text()
    if transform is not None:
        original = transform(original)
        assert len(original) > 10000
    p = write(tmp_path, f"seed-{codec}.txt", prefix + original.encode(codec))
    src = read_file(p)
    assert src.text == original
    assert src.encoding == expected_encoding
    assert src.fmt == "text"
    assert src.path == str(p)
    assert src.sha256 == hashlib.sha256(original.encode("utf-8")).hexdigest()
    assert src.source_url is None and src.body_start == 0


def test_seed_utf16_with_python_bom_reads_back():
    original = seed_text()
    text, enc = decode_bytes(original.encode("utf-16"), "x")
    assert text == original and enc.startswith("utf-16")


@pytest.mark.parametrize("codec", ["big5", "gb18030", "utf-8", "utf-16"])
def test_traditional_passage(tmp_path, codec):
    data = TRAD.encode(codec)       # raises if the passage is not Big5-encodable
    src = read_file(write(tmp_path, f"trad-{codec}.txt", data))
    assert src.text == TRAD
    if codec == "big5":
        assert src.encoding == "big5"


def test_traditional_corpus_file_in_big5(corpus, tmp_path):
    """The corpus' traditional excerpt, Big5-encoded (pinyin glosses like ū are not in Big5)."""
    raw = (corpus / "extra" / "40_binhai_2014_109_gongzhang_trad.txt").read_text(encoding="utf-8")
    text = "".join(c for c in raw if c.encode("big5", "ignore") or c == "\n")
    src = read_file(write(tmp_path, "binhai.txt", text.encode("big5")))
    assert src.text == text and src.encoding == "big5"


def test_short_simplified_texts_prefer_gb18030():
    for s in ["改革", "部门", "政府工作报告", "区人民政府办公室"]:
        assert decode_bytes(s.encode("gbk"), "x") == (s, "gb18030")


def test_newlines_are_normalised_only_by_read(tmp_path):
    original = seed_text()
    crlf = original.replace("\n", "\r\n")
    assert read_file(write(tmp_path, "crlf.txt", crlf.encode("gb18030"))).text == original
    assert read_file(write(tmp_path, "cr.txt", original.replace("\n", "\r"))).text == original
    # decode_bytes itself is verbatim
    assert decode_bytes(crlf.encode("utf-8"), "x")[0] == crlf


def test_truncated_file_is_read_with_a_visible_replacement(tmp_path):
    data = seed_text().encode("gb18030")[:-1]     # last character cut in half
    src = read_file(write(tmp_path, "cut.txt", data))
    assert src.encoding == "gb18030 (lossy)"
    assert src.text.endswith("\ufffd")
    assert src.text[:-1] == seed_text()[:-1]


def test_a_few_stray_control_characters_are_tolerated():
    text = "关于深化改革的通知\x08\n" + "各部门要认真贯彻执行。\n" * 20
    assert decode_bytes(text.encode("utf-8"), "x") == (text, "utf-8")


def test_western_legacy_text_is_decoded():
    text = "Café crème, naïve façade — déjà vu.\n" * 3
    assert decode_bytes(text.encode("cp1252"), "x") == (text, "cp1252")


# --------------------------------------------------------------------------- source header


def test_source_header_sets_url_and_body_start():
    text = "# source: https://www.example.gov.cn/a/b.shtml\n\n关于印发方案的通知\n正文。\n"
    src = read_text(text, "doc.txt")
    assert src.source_url == "https://www.example.gov.cn/a/b.shtml"
    assert src.text == text                      # nothing is cut
    assert src.text[src.body_start:] == "关于印发方案的通知\n正文。\n"
    assert src.path == "doc.txt" and src.encoding == "unicode"


def test_source_header_with_crlf_in_a_file(tmp_path):
    raw = "# source: http://x.gov.cn/1.html\r\n\r\n正文第一行\r\n第二行"
    src = read_file(write(tmp_path, "h.txt", raw.encode("gb18030")))
    assert src.source_url == "http://x.gov.cn/1.html"
    assert src.text[src.body_start:] == "正文第一行\n第二行"


def test_no_header_and_header_like_text_later():
    src = read_text("正文\n# source: http://x\n\n")
    assert src.source_url is None and src.body_start == 0


def test_corpus_extras_have_their_header_read(corpus):
    files = sorted((corpus / "extra").glob("*.txt"))
    assert files
    for f in files:
        raw = f.read_text(encoding="utf-8")
        src = read_file(f)
        first, rest = raw.split("\n", 1)
        assert src.text == raw
        assert src.source_url == first.split(":", 1)[1].strip()
        assert src.source_url.startswith(("http://", "https://"))
        assert src.text[: src.body_start] == first + "\n\n"
        assert src.text[src.body_start:] == rest[1:]
    for f in sorted((corpus / "seeds").glob("*.txt")):
        src = read_file(f)
        assert src.source_url is None and src.body_start == 0


# --------------------------------------------------------------------------- HTML

GOV_PAGE = """<!DOCTYPE html>
<!-- saved from url=(0061)http://www.example.gov.cn/zwgk/2023/t20230208_2147809.shtml -->
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于印发方案的通知_某某区人民政府</title>
<script type="text/javascript">var s = "脚本里的政府工作报告";</script>
<style>.zoom { font-size: 16px }</style>
</head><body>
<div class="header"><div class="logo">某某区人民政府门户网站</div>
  <ul class="nav"><li><a href="/">首页</a></li><li><a>政务公开</a></li><li><a>政务服务</a></li></ul></div>
<nav><a>网站地图</a> <a>无障碍浏览</a></nav>
<div class="breadcrumb">当前位置：<a>首页</a> &gt; <a>政府文件</a></div>
<div class="article">
  <h1>某某区人民政府办公室关于印发深化改革工作方案的通知</h1>
  <div id="zoom">
    <p>某政办发〔2023〕13号</p>
    <p>各镇人民政府、街道办事处，区直各部门：</p>
    <p>&nbsp;&nbsp;现将《深化改革工作方案》印发给你们，请认真贯彻执行。<br>一、总体要求<br/>（一）坚持问题导向。</p>
    <table border="1">
      <tr><th>序号</th><th>任务</th><th>牵头单位</th></tr>
      <tr><td><p>1</p></td><td><p>压缩审批时限</p><p>提高效率</p></td><td>区政务服务局</td></tr>
      <tr><td>2</td><td>优化营商环境</td><td>区发展改革局</td></tr>
    </table>
    <p>某某区人民政府办公室</p>
    <p>2023年2月8日</p>
  </div>
  <div class="share-bar">分享到：微信 微博</div>
</div>
<form action="/search"><input name="q" value="搜索"><button>搜索本站</button></form>
<footer><p>版权所有：某某区人民政府 备案号：京ICP备12345号</p></footer>
<div id="copyright">主办单位：某某区人民政府办公室</div>
<noscript>请启用脚本</noscript>
</body></html>
"""

GOV_PAGE_LINES = [
    "某某区人民政府办公室关于印发深化改革工作方案的通知",
    "某政办发〔2023〕13号",
    "各镇人民政府、街道办事处，区直各部门：",
    "现将《深化改革工作方案》印发给你们，请认真贯彻执行。",
    "一、总体要求",
    "（一）坚持问题导向。",
    "序号\t任务\t牵头单位",
    "1\t压缩审批时限 提高效率\t区政务服务局",
    "2\t优化营商环境\t区发展改革局",
    "某某区人民政府办公室",
    "2023年2月8日",
]


def test_html_gov_page(tmp_path):
    p = write(tmp_path, "page.html", GOV_PAGE.encode("gb2312"))
    src = read_file(p)
    assert src.fmt == "html"
    assert src.encoding == "html+gb18030"
    assert src.text.split("\n") == GOV_PAGE_LINES
    for junk in ("脚本", "font-size", "首页", "网站地图", "当前位置", "分享到", "搜索", "版权所有", "主办单位",
                 "请启用脚本", "门户网站", "_某某区人民政府"):
        assert junk not in src.text
    assert src.source_url == "http://www.example.gov.cn/zwgk/2023/t20230208_2147809.shtml"
    assert src.body_start == 0


def test_html_without_content_container_keeps_body_minus_furniture(tmp_path):
    page = (
        "<html><head><meta charset='utf-8'></head><body>"
        "<ul id='mainNav'><li>首页</li><li>机构</li></ul>"
        "<p>第一段。</p><p></p><p>第二段<br><br>第三段</p>"
        "<ol><li>甲</li><li>乙</li></ol><h2>小标题</h2><pre>  保留\n  空格</pre>"
        "<div class='footer-links'>友情链接</div></body></html>"
    )
    src = read_file(write(tmp_path, "p.htm", page))
    assert src.encoding == "html+utf-8"
    assert src.text.split("\n") == ["第一段。", "第二段", "", "第三段", "甲", "乙", "小标题", "保留", "空格"]


def test_layout_table_cells_are_blocks(tmp_path):
    body = "".join(f"<p>第{i}条：各单位要按职责分工抓好落实，确保改革任务如期完成。</p>" for i in range(1, 6))
    page = (
        "<html><head><meta charset='gbk'></head><body><form id='form1'>"
        "<table><tr><td class='leftbar'><a>首页</a><br><a>政策法规</a></td>"
        f"<td><h2>某市人民政府关于进一步优化营商环境的实施意见</h2>{body}</td></tr></table>"
        "</form></body></html>"
    )
    src = read_file(write(tmp_path, "layout.shtml", page.encode("gbk")))
    lines = src.text.split("\n")
    assert "某市人民政府关于进一步优化营商环境的实施意见" in lines
    assert "第3条：各单位要按职责分工抓好落实，确保改革任务如期完成。" in lines
    assert lines.index("第1条：各单位要按职责分工抓好落实，确保改革任务如期完成。") < lines.index(
        "第5条：各单位要按职责分工抓好落实，确保改革任务如期完成。")


def test_html_declared_gb2312_but_really_utf8(tmp_path):
    page = GOV_PAGE                                    # says gb2312, saved as UTF-8
    src = read_file(write(tmp_path, "mislabelled.html", page.encode("utf-8")))
    assert src.encoding == "html+utf-8"
    assert src.text.split("\n") == GOV_PAGE_LINES


def test_html_big5_page(tmp_path):
    page = f"<html><head><meta charset='big5'></head><body><p>{TRAD.strip().replace(chr(10), '<br>')}</p></body></html>"
    src = read_file(write(tmp_path, "trad.html", page.encode("big5")))
    assert src.encoding == "html+big5"
    assert src.text == TRAD.strip()


def test_html_is_sniffed_in_txt_and_extensionless_files(tmp_path):
    for name in ("saved.txt", "saved"):
        src = read_file(write(tmp_path, name, GOV_PAGE.encode("gb18030")))
        assert src.fmt == "html"
        assert src.text.split("\n") == GOV_PAGE_LINES


def test_html_suffix_without_markup_is_text(tmp_path):
    src = read_file(write(tmp_path, "plain.html", "只是文字\n没有标签\n"))
    assert src.fmt == "text" and src.text == "只是文字\n没有标签\n"


def test_html_canonical_link_is_the_source_url(tmp_path):
    page = ("<html><head><link rel='canonical' href='https://gov.example.cn/x.html'></head>"
            "<body><p>正文</p></body></html>")
    src = read_file(write(tmp_path, "c.html", page))
    assert src.source_url == "https://gov.example.cn/x.html" and src.text == "正文"


def test_html_with_no_text_is_an_error(tmp_path):
    p = write(tmp_path, "empty.html", "<html><head><title>标题</title><script>x=1</script></head><body></body></html>")
    expect_error(p, "no text in the HTML page")


# --------------------------------------------------------------------------- docx


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("某区深化改革工作要点", level=1)
    d.add_paragraph("伊区政办发〔2023〕13号")
    d.add_paragraph("一、持续深化“放管服”改革")
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate([("序号", "任务", "牵头单位"), ("1", "压缩审批时限", "区政务服务局"),
                             ("2", "优化营商环境", "区发改委")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(2, 1).add_paragraph("提高效率")
    d.add_paragraph("")
    d.add_paragraph("")
    p = d.add_paragraph("二、")
    p.add_run("加强组织领导").bold = True
    d.save(str(path))
    return path


def test_docx_paragraphs_and_tables_in_document_order(tmp_path):
    src = read_file(make_docx(tmp_path / "plan.docx"))
    assert src.fmt == "docx" and src.encoding == "docx"
    assert src.text.split("\n") == [
        "某区深化改革工作要点",
        "伊区政办发〔2023〕13号",
        "一、持续深化“放管服”改革",
        "序号\t任务\t牵头单位",
        "1\t压缩审批时限\t区政务服务局",
        "2\t优化营商环境 提高效率\t区发改委",
        "",
        "二、加强组织领导",
    ]


def test_extensionless_docx_is_sniffed(tmp_path):
    p = make_docx(tmp_path / "plan.docx")
    q = tmp_path / "plan"
    shutil.copy(p, q)
    assert read_file(q).fmt == "docx"


def test_corrupt_docx(tmp_path):
    expect_error(write(tmp_path, "a.docx", b"this is not a zip"), "not a valid .docx: not a ZIP archive")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    expect_error(write(tmp_path, "b.docx", buf.getvalue()), "not a valid .docx: no word/document.xml")
    good = make_docx(tmp_path / "good.docx").read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as zin, zipfile.ZipFile(buf, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]            # truncated XML
            zout.writestr(item, data)
    expect_error(write(tmp_path, "c.docx", buf.getvalue()), "not a valid .docx: ")
    expect_error(write(tmp_path, "d.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), "legacy .doc")


# --------------------------------------------------------------------------- pdf


def make_pdf(pages: list[bytes]) -> bytes:
    """A minimal PDF, one content stream per page, Helvetica as font F1."""
    n = len(pages)
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n)).encode()
    objs.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n)
    font_id = 3 + 2 * n
    for i, content in enumerate(pages):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (4 + 2 * i, font_id))
        objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def test_pdf_pages_are_joined_with_newlines(tmp_path):
    data = make_pdf([b"BT /F1 24 Tf 72 720 Td (Reform plan 2023) Tj ET",
                     b"BT /F1 12 Tf 72 700 Td (Lead unit: county office) Tj ET"])
    src = read_file(write(tmp_path, "plan.pdf", data))
    assert src.fmt == "pdf" and src.encoding == "pdf"
    assert src.text == "Reform plan 2023\nLead unit: county office"


def test_pdf_without_text_layer(tmp_path):
    data = make_pdf([b"0 0 m 200 200 l S", b"q 1 0 0 1 0 0 cm Q"])
    expect_error(write(tmp_path, "scan.pdf", data), "no text layer (scanned?)")


def test_corrupt_pdf(tmp_path):
    expect_error(write(tmp_path, "a.pdf", b"%PDF-1.4\n garbage garbage"), "not a valid .pdf")
    expect_error(write(tmp_path, "b.pdf", "这不是PDF文件".encode()), "not a valid .pdf")


def test_encrypted_pdf(tmp_path):
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    w.append(PdfReader(io.BytesIO(make_pdf([b"BT /F1 24 Tf 72 720 Td (secret) Tj ET"]))))
    try:
        w.encrypt(user_password="pw", owner_password="owner", algorithm="RC4-128")
    except Exception as exc:  # pragma: no cover - depends on pypdf's crypto backends
        pytest.skip(f"pypdf cannot encrypt here: {exc}")
    buf = io.BytesIO()
    w.write(buf)
    expect_error(write(tmp_path, "locked.pdf", buf.getvalue()), "encrypted PDF")


# --------------------------------------------------------------------------- errors


def test_not_found_reports_the_path_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    expect_error("./nope/../missing.txt", "file not found")
    expect_error(Path("missing.txt"), "file not found")
    write(tmp_path, "f.txt", "x")
    expect_error("f.txt/inner.txt", "file not found")


def test_directory(tmp_path):
    (tmp_path / "folder.txt").mkdir()
    expect_error(tmp_path / "folder.txt", "is a directory")
    expect_error(str(tmp_path), "is a directory")


def test_broken_symlink(tmp_path):
    link = tmp_path / "dangling.txt"
    link.symlink_to(tmp_path / "gone.txt")
    err = expect_error(link, "broken symbolic link")
    assert "gone.txt" in err.reason


def test_permission_denied(tmp_path):
    p = write(tmp_path, "secret.txt", "机密")
    p.chmod(0)
    try:
        if os.geteuid() != 0:
            expect_error(p, "permission denied")
            return
        # root reads anything: run the check in a child without the DAC-override capabilities
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv is not available")
        code = (
            "import sys\nfrom kg.read import read_file\nfrom kg.errors import InputError\n"
            "try:\n    read_file(sys.argv[1])\nexcept InputError as e:\n    print(e)\n"
        )
        proc = subprocess.run(
            [setpriv, "--bounding-set=-dac_override,-dac_read_search",
             "--inh-caps=-dac_override,-dac_read_search", sys.executable, "-c", code, str(p)],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        if proc.returncode != 0 and "setpriv" in proc.stderr:
            pytest.skip(f"cannot drop capabilities: {proc.stderr.strip()}")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"{p}: permission denied"
    finally:
        p.chmod(0o644)


def test_empty_and_blank_files(tmp_path):
    expect_error(write(tmp_path, "empty.txt", b""), "empty file")
    expect_error(write(tmp_path, "bom.txt", b"\xef\xbb\xbf"), "empty file")
    expect_error(write(tmp_path, "blank.txt", b" \r\n\t\n"), "empty file (only whitespace)")
    expect_error(write(tmp_path, "empty.docx", b""), "empty file")


def test_binary_junk(tmp_path):
    expect_error(write(tmp_path, "nul.txt", "正文\0正文".encode() * 10), "binary or unknown content")
    junk = bytes((i * 7919 + 13) % 256 for i in range(4096))
    expect_error(write(tmp_path, "junk.txt", junk), "binary or unknown content")
    png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256))
    err = expect_error(write(tmp_path, "image.txt", png), "binary or unknown content")
    assert "PNG" in err.reason
    expect_error(write(tmp_path, "ctrl", b"ab\x01\x02\x03\x04\x05cd" * 20), "binary or unknown content")


def test_undecodable_text(tmp_path):
    korean = "이것은 한국어 텍스트입니다. 정부 개혁에 대한 문서입니다. 서울특별시 행정 개혁 추진 계획.\n" * 3
    expect_error(write(tmp_path, "kr.txt", korean.encode("euc-kr")), "cannot determine the text encoding")
    high = bytes(0x80 + (i * 37) % 0x7F for i in range(3000))
    expect_error(write(tmp_path, "high.txt", high), "cannot determine the text encoding")


def test_size_limit(tmp_path):
    p = write(tmp_path, "big.txt", "改革" * 1000)      # 6000 bytes
    expect_error(p, "larger than the limit of 5000 bytes", max_bytes=5000)
    assert read_file(p, max_bytes=6000).text == "改革" * 1000
    assert DEFAULT_MAX_BYTES == 20 * 1024 * 1024
    with pytest.raises(ValueError):
        read_file(p, max_bytes=0)


@pytest.mark.parametrize("name", ["photo.png", "setup.exe", "archive.zip", "data.json", "x.PNG"])
def test_unsupported_types(tmp_path, name):
    p = write(tmp_path, name, b"\x89PNG\r\n\x1a\n" if name.lower().endswith(".png") else b"MZ\x90\0")
    expect_error(p, f"unsupported file type {Path(name).suffix.lower()}")


def test_legacy_word_gets_a_hint(tmp_path):
    err = expect_error(write(tmp_path, "old.doc", b"\xd0\xcf\x11\xe0"), "unsupported file type .doc")
    assert ".docx" in err.reason


def test_supported_suffixes_and_odd_names(tmp_path):
    assert {".txt", ".text", ".md", ".html", ".htm", ".shtml", ".xhtml", ".docx", ".pdf"} == set(SUPPORTED_SUFFIXES)
    # dots inside Chinese file names are not extensions
    for name in ("关于印发方案的通知(2023.5.1)", "报告.2023", "README", "NOTES.TXT", "a.Md"):
        src = read_file(write(tmp_path, name, "正文内容"))
        assert src.text == "正文内容" and src.path == str(tmp_path / name)


def test_fifo_is_not_a_regular_file(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    expect_error(fifo, "not a regular file")


def test_read_file_equals_read_text_for_utf8(tmp_path):
    text = seed_text()
    a = read_file(write(tmp_path, "s.txt", text))
    b = read_text(text, "s.txt")
    assert (a.text, a.sha256, a.body_start, a.source_url) == (b.text, b.sha256, b.body_start, b.source_url)


def test_read_text_rejects_bytes():
    with pytest.raises(TypeError):
        read_text(b"bytes")  # type: ignore[arg-type]


def test_decode_bytes_errors_name_the_path():
    with pytest.raises(InputError) as info:
        decode_bytes(b"\0\1\2\3" * 100, Path("some/file.bin"))
    assert info.value.path == "some/file.bin"
    assert "binary or unknown content" in str(info.value)


# --------------------------------------------------------------------------- iter_files


def make_tree(root: Path) -> None:
    for rel in ("b.txt", "a/z.txt", "a/y.html", "a/deep/x.md", "a/deep/skip.log", "c/w.txt",
                "c/notes.gold.json", ".hidden/h.txt", "a/.secret.txt", "drafts/d.txt"):
        write(root, rel, "正文")
    (root / "a" / "broken.txt").symlink_to(root / "nowhere.txt")
    (root / "a" / "loop").symlink_to(root / "a")     # a folder link pointing at its parent


def rels(paths, root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_iter_files_expands_folders_in_sorted_order(tmp_path):
    make_tree(tmp_path)
    got = rels(iter_files([tmp_path]), tmp_path)
    assert got == ["a/broken.txt", "a/deep/skip.log", "a/deep/x.md", "a/y.html", "a/z.txt", "b.txt",
                   "c/notes.gold.json", "c/w.txt", "drafts/d.txt"]
    assert all(isinstance(p, Path) for p in iter_files(tmp_path))


def test_iter_files_globs(tmp_path):
    make_tree(tmp_path)
    got = rels(iter_files([tmp_path], include=("*.txt", "*.md"), exclude=("drafts", "*.gold.*")), tmp_path)
    assert got == ["a/broken.txt", "a/deep/x.md", "a/z.txt", "b.txt", "c/w.txt"]
    got = rels(iter_files([tmp_path], include=("a/deep/*",)), tmp_path)
    assert got == ["a/deep/skip.log", "a/deep/x.md"]
    got = rels(iter_files([tmp_path], exclude=("a/*",)), tmp_path)
    assert got == ["b.txt", "c/notes.gold.json", "c/w.txt", "drafts/d.txt"]
    got = rels(iter_files([tmp_path], recursive=False), tmp_path)
    assert got == ["b.txt"]
    got = rels(iter_files([tmp_path], skip_hidden=False, include=("*.txt",), exclude=("a", "drafts")), tmp_path)
    assert got == [".hidden/h.txt", "b.txt", "c/w.txt"]
    got = rels(iter_files([tmp_path], only_supported=True, exclude=("a",)), tmp_path)
    assert got == ["b.txt", "c/w.txt", "drafts/d.txt"]


def test_iter_files_explicit_paths_and_broken_links_reach_read_file(tmp_path):
    make_tree(tmp_path)
    explicit = tmp_path / "c" / "notes.gold.json"
    missing = tmp_path / "missing.txt"
    got = list(iter_files([explicit, str(missing), tmp_path / "c", explicit], include=("*.txt",)))
    assert got == [explicit, missing, tmp_path / "c" / "w.txt"]      # once each, explicit ones unfiltered
    broken = [p for p in iter_files([tmp_path]) if p.name == "broken.txt"]
    assert len(broken) == 1
    expect_error(broken[0], "broken symbolic link")
    expect_error(explicit, "unsupported file type .json")
    expect_error(missing, "file not found")


def test_iter_files_reads_the_corpus(corpus):
    files = list(iter_files([corpus / "extra"], include=("*.txt",)))
    assert len(files) >= 20
    for f in files:
        assert read_file(f).text


# --------------------------------------------------------------------------- properties

TEXT_CHARS = st.one_of(
    st.characters(exclude_categories=("Cs", "Cc")),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from("\t\n\r，。、；：“”（）《》〔〕【】—…·"),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(TEXT_CHARS, max_size=400))
def test_decode_bytes_utf8_roundtrip(text):
    assume(not text.startswith("\ufeff"))         # a leading U+FEFF is a BOM by definition
    assert decode_bytes(text.encode("utf-8"), "x") == (text, "utf-8")


@settings(max_examples=300, deadline=None)
@given(st.text(TEXT_CHARS, max_size=400), st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"]))
def test_decode_bytes_bom_roundtrip(text, codec):
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(codec, b"")
    decoded, enc = decode_bytes(bom + text.encode(codec), "x")
    assert decoded == text


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=()), max_size=2000))
def test_read_text_never_raises_and_keeps_the_text(text):
    src = read_text(text)
    assert src.text == text.replace("\r\n", "\n").replace("\r", "\n")
    assert 0 <= src.body_start <= len(src.text)
    assert src.sha256 == hashlib.sha256(src.text.encode("utf-8", "surrogatepass")).hexdigest()
    if src.source_url is not None:
        assert src.text.lstrip("\ufeff").lower().startswith("#")
        assert src.source_url in src.text[: src.body_start]


@settings(max_examples=50, deadline=None)
@given(st.text(TEXT_CHARS, max_size=50), st.text(TEXT_CHARS, min_size=1, max_size=5).map(lambda s: s * 20000))
def test_read_text_long_lines(head, line):
    text = head + line
    src = read_text(text)
    assert src.text == text.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=100, deadline=None)
@given(st.text(TEXT_CHARS, min_size=1, max_size=200), st.sampled_from(["http://a.gov.cn/x.html", "https://b.cn/1"]))
def test_header_then_any_body(body, url):
    text = f"# source: {url}\n\n{body}"
    src = read_text(text)
    assert src.source_url == url
    assert src.text[src.body_start:] == body.replace("\r\n", "\n").replace("\r", "\n")


def test_error_page_saved_as_pdf_or_docx(tmp_path):
    page = "<!DOCTYPE html><html><body><h1>404 页面不存在</h1></body></html>"
    expect_error(write(tmp_path, "notice.pdf", page), "not a valid .pdf: it is an HTML page")
    expect_error(write(tmp_path, "notice.docx", page), "not a valid .docx: it is an HTML page")


def test_path_with_nul_character():
    expect_error("bad\0name.txt", "file not found")


def test_html_densest_block_is_the_document_and_its_heading_is_kept(tmp_path):
    paragraphs = "".join(f"<p>第{i}条　各部门要按照职责分工，抓紧制定具体措施，确保各项改革任务落到实处。</p>"
                         for i in range(1, 9))
    page = (
        "<html><head><meta charset='iso-8859-1'></head><body>"      # a wrong label, GBK bytes
        "<div class='left'><h3>相关文章</h3><ul><li>关于另一项工作的通知</li><li>某区召开常务会议</li></ul></div>"
        "<div class='right'><h1>关于推进政务服务改革的实施方案</h1><div class='info'>2023-05-06</div>"
        f"<div class='wrap'>{paragraphs}</div></div>"
        "<div style='display:none'>隐藏的统计代码文字</div></body></html>"
    )
    src = read_file(write(tmp_path, "dense.html", page.encode("gbk")))
    assert src.encoding == "html+gb18030"
    lines = src.text.split("\n")
    assert lines[0] == "关于推进政务服务改革的实施方案"
    assert "第8条　各部门要按照职责分工，抓紧制定具体措施，确保各项改革任务落到实处。" in lines
    for junk in ("相关文章", "另一项工作", "常务会议", "隐藏的"):
        assert junk not in src.text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04", b"<html><body>", b"\xef\xbb\xbf", b"\xff\xfe",
                     b"<meta charset=gbk>"]),
    st.binary(max_size=1500) | st.text(max_size=300).map(lambda s: s.encode("gb18030", "replace")),
    st.sampled_from([".txt", ".html", ".docx", ".pdf", "", ".md"]),
)
def test_read_file_fails_only_with_input_error(tmp_path_factory, prefix, body, suffix):
    p = tmp_path_factory.mktemp("fuzz") / f"f{suffix}"
    p.write_bytes(prefix + body)
    try:
        src = read_file(p)
    except InputError as err:
        assert err.path == str(p) and err.reason
    else:
        assert src.text.strip() and "\r" not in src.text


def test_html_title_outside_the_content_container_is_prepended(tmp_path):
    body = "".join(f"<p>（{i}）深化“放管服”改革，持续优化营商环境，提升政务服务效能。</p>" for i in range(1, 12))
    side = "".join(f"<li>其他栏目的文章标题第{i}篇</li>" for i in range(1, 8))
    page = (
        "<html><body><div class='top'><h1>某县关于深化“放管服”改革的工作方案</h1></div>"
        f"<div class='side'><ul>{side}</ul></div><div class='content'>{body}</div></body></html>"
    )
    src = read_file(write(tmp_path, "t.html", page))
    lines = src.text.split("\n")
    assert lines[0] == "某县关于深化“放管服”改革的工作方案"
    assert lines[1].startswith("（1）") and lines[-1].startswith("（11）")
    assert "其他栏目" not in src.text
