"""incremental.py: what a preview build remembers, and how a dirty build is made whole with it."""

from __future__ import annotations

import json
import os

import jinja2

from site_src.site.incremental import BuildMemory, TemplateCache, folder_stamp, inputs_key, merge_search_index


def _doc(location: str, text: str = "") -> dict:
    return {"location": location, "title": location, "text": text}


def _memory_after_build(previous: list[dict], pages: set[str], built: set[str]) -> BuildMemory:
    memory = BuildMemory(search_docs=previous)
    memory.begin()
    memory.pages = pages
    for url in built:
        memory.saw_title(f"{url}index.md", url, url)
    return memory


def test_search_keeps_the_entries_of_the_pages_not_rendered_and_replaces_the_rendered_ones():
    previous = [_doc(""), _doc("#intro"), _doc("a/"), _doc("a/#one"), _doc("b/", "old"), _doc("b/#two", "old")]
    memory = _memory_after_build(previous, {"", "a/", "b/"}, {"b/"})
    merged = memory.merged_search([_doc("b/", "new"), _doc("b/#three", "new")])
    assert merged == [_doc(""), _doc("#intro"), _doc("a/"), _doc("a/#one"), _doc("b/", "new"), _doc("b/#three", "new")]
    assert memory.search_docs == merged  # what the next build starts from


def test_search_drops_the_entries_of_a_page_that_is_gone_and_adds_a_new_page_last():
    memory = _memory_after_build([_doc("a/"), _doc("gone/"), _doc("b/")], {"a/", "b/", "new/"}, {"new/"})
    assert memory.merged_search([_doc("new/")]) == [_doc("a/"), _doc("b/"), _doc("new/")]


def test_the_search_index_file_is_rewritten_with_the_merged_entries(tmp_path):
    path = tmp_path / "search_index.json"
    path.write_text(json.dumps({"config": {"lang": ["zh"]}, "docs": [_doc("b/", "新")]}), encoding="utf-8")
    memory = _memory_after_build([_doc("a/"), _doc("b/", "旧")], {"a/", "b/"}, {"b/"})
    merge_search_index(path, memory)
    assert json.loads(path.read_text(encoding="utf-8")) == {"config": {"lang": ["zh"]},
                                                            "docs": [_doc("a/"), _doc("b/", "新")]}


def test_a_changed_title_or_site_key_asks_for_a_clean_build_only_after_a_dirty_one():
    memory = BuildMemory()
    memory.begin()
    memory.saw_site("key 1")
    memory.saw_title("a.md", "a/", "A")
    assert not memory.clean_needed  # the first build: nothing was there to change
    memory.begin()
    memory.saw_site("key 1")
    memory.skipped.add("b.md")
    memory.saw_title("a.md", "a/", "A")
    assert not memory.clean_needed
    memory.saw_title("a.md", "a/", "A, renamed")
    assert memory.clean_needed and memory.title_of("a.md") == "A, renamed"
    memory.begin()
    memory.skipped.add("b.md")
    memory.saw_site("key 2")
    assert memory.clean_needed
    memory.begin()
    memory.saw_site("key 3")  # a clean build (nothing skipped) rendered every page already
    assert not memory.clean_needed


def test_a_folder_stamp_sees_an_edit_that_keeps_the_size_and_the_time_in_the_files_it_reads(tmp_path):
    (tmp_path / "record.json").write_text('{"a": 1}', encoding="utf-8")
    (tmp_path / "figure.png").write_bytes(b"png1")
    stamp = folder_stamp(tmp_path, read=("record.json",))
    for name, data in (("record.json", b'{"a": 2}'), ("figure.png", b"png2")):
        times = os.stat(tmp_path / name).st_mtime_ns
        (tmp_path / name).write_bytes(data)
        os.utime(tmp_path / name, ns=(times, times))
    assert folder_stamp(tmp_path, read=("record.json",)) != stamp
    assert folder_stamp(tmp_path, read=("*.json",)) == folder_stamp(tmp_path, read=("record.json",))
    assert folder_stamp(tmp_path / "missing") == ""


def test_inputs_keys_frame_each_part():
    assert inputs_key("ab", "c") != inputs_key("a", "bc")
    assert inputs_key("a", b"b") == inputs_key(b"a", "b")


def test_compiled_templates_are_reused_until_their_source_changes():
    cache = TemplateCache()
    sources = {"page.html": "one {{ x }}"}

    def rendered() -> str:
        environment = jinja2.Environment(loader=jinja2.DictLoader(sources), bytecode_cache=cache)
        return environment.get_template("page.html").render(x=1)

    assert rendered() == "one 1" and len(cache.compiled) == 1
    assert rendered() == "one 1"
    sources["page.html"] = "two {{ x }}"
    assert rendered() == "two 1"
