"""code_spans.py: highlighted code loses the spans that change nothing on screen, never a character."""

from __future__ import annotations

import re

from site_src.site.code_spans import slim_code_spans

# Pygments' markup of `scalar = torch.tensor([[3.14]])`, as pymdownx.highlight writes it
BLOCK = ('<div class="highlight"><pre><span></span><code><span class="n">scalar</span><span class="w"> </span>'
         '<span class="o">=</span><span class="w"> </span><span class="n">torch</span><span class="o">.</span>'
         '<span class="n">tensor</span><span class="p">(</span><span class="p">[</span><span class="p">[</span>'
         '<span class="mf">3.14</span><span class="p">]</span><span class="p">]</span><span class="p">)</span>\n'
         '</code></pre></div>')


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_names_and_whitespace_lose_their_spans_and_runs_of_one_class_share_one():
    slim = slim_code_spans(BLOCK)
    assert slim == ('<div class="highlight"><pre><span></span><code>scalar <span class="o">=</span> '
                    'torch<span class="o">.</span>tensor<span class="p">([[</span><span class="mf">3.14</span>'
                    '<span class="p">]])</span>\n</code></pre></div>')
    assert text_of(slim) == text_of(BLOCK)
    assert slim.count("<span") == 6 and BLOCK.count("<span") == 15


def test_coloured_tokens_keep_their_spans_even_side_by_side():
    code = '<code><span class="k">def</span><span class="nf">f</span><span class="kc">None</span></code>'
    assert slim_code_spans(code) == code


def test_only_code_elements_change():
    prose = '<p><span class="n">not code</span><span class="n">here</span></p>'
    assert slim_code_spans(prose + BLOCK) == prose + slim_code_spans(BLOCK)


def test_escaped_text_stays_escaped():
    code = '<code><span class="n">a</span><span class="o">&lt;</span><span class="o">&amp;</span></code>'
    assert slim_code_spans(code) == '<code>a<span class="o">&lt;&amp;</span></code>'


def test_each_code_block_carries_its_line_count_and_is_a_focus_stop_until_material_sets_it_up():
    from site_src.site.code_spans import lazy_code_blocks

    output = '<div class="lesson-output highlight"><pre><span></span><code>loss 0.5\nloss 0.2\n</code></pre></div>'
    html = lazy_code_blocks('<p><code>inline</code></p>' + BLOCK.replace('<div class="highlight">',
                                                                       '<div class="highlight" data-lesson-block="3">')
                            + output)
    assert html.startswith("<p><code>inline</code></p>")  # not a block: left alone
    assert '<div class="highlight" style="--lines: 1" data-lesson-block="3"><pre><span></span><code tabindex="0">' in html
    assert '<div class="lesson-output highlight" style="--lines: 2"><pre><span></span><code tabindex="0">loss' in html
    assert lazy_code_blocks('<div class="highlight"><pre><code>a\nb</code></pre></div>') == \
        '<div class="highlight" style="--lines: 2"><pre><code tabindex="0">a\nb</code></pre></div>'
