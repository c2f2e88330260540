"""The safe Markdown subset."""

import re

from faq.markdown import plain_text
from faq.markdown import render


def test_raw_html_is_text():
    html = str(render('<script>alert(1)</script>\n<img src=x onerror="alert(1)">'))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_only_safe_links_images_off():
    html = str(render("[a](javascript:alert(1)) [b](JaVaScRiPt:x) [c](data:text/html,x) "
                      "[d](https://example.jp/) [e](/faq) ![i](https://example.jp/i.png)"))
    assert re.findall(r'href="([^"]*)"', html) == [
        "https://example.jp/", "/faq", "https://example.jp/i.png"]  # the image is only a link
    assert "[a](javascript:alert(1))" in html  # unsafe links stay plain text
    assert '<a href="https://example.jp/" rel="noopener noreferrer nofollow">d</a>' in html
    assert '<a href="/faq"' in html
    assert "<img" not in html


def test_lists_emphasis_breaks_and_clamped_headings():
    html = str(render("# 大見出し\n\n- 一つ目\n- **二つ目**\n\n一行目\n二行目"))
    assert "<h3>大見出し</h3>" in html and "<h1>" not in html
    assert "<li>一つ目</li>" in html and "<strong>二つ目</strong>" in html
    assert "一行目<br />" in html


def test_plain_text_keeps_words_not_markup():
    text = plain_text("### 見出し\n\n- **太字** と [リンク](https://example.jp/)\n\n`code`")
    assert text.split("\n") == ["見出し", "太字 と リンク", "code"]
