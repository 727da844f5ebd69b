"""ScoutCacheStore: collision-free file names (D8 fixed), verbatim content."""

from __future__ import annotations

import pytest

from flowctl_core.errors import InvalidInputError
from flowctl_db.scout_cache import file_name

SHA = "700759c2d2630a69f791ae6fbd6e3bbd6b7eb346"


def test_common_keys_keep_the_reference_file_name():
    assert file_name(f"repo:{SHA}") == f"repo_{SHA}"
    assert file_name("repo:no-git") == "repo_no-git"
    assert file_name("capability:abc") == "capability_abc"


def test_keys_the_reference_mapped_to_one_file_get_distinct_names():
    keys = ["docs/x:ab:c\\d", "docs_x:ab_c_d", "docs:x:ab:c:d", "docs%5Fx:ab", "docs_x:ab", "a:b_c", "a_b:c",
            "x_y:z", "x:y_z", ".:x", "%2E:x", " a:b ", "%20a:b%20", "é:1", "\t:x"]
    names = [file_name(k) for k in keys]
    assert len(set(names)) == len(keys)
    for name in names:
        assert "/" not in name and "\\" not in name and not name.startswith(".") and name == name.strip()


def test_too_long_keys_are_refused():
    with pytest.raises(InvalidInputError, match="too long"):
        file_name("x" * 300 + ":" + SHA)


def test_put_read_names_delete(flow):
    assert flow.scout_cache.names() == [] and flow.scout_cache.read("repo_x") is None
    flow.scout_cache.put("repo_x", '{"files": 3}')
    data, mtime_ns = flow.scout_cache.read("repo_x")
    assert data == b'{"files": 3}' and mtime_ns > 0
    (flow.scout_cache.dir / ".repo_y.123.tmp").write_text("partial")
    (flow.scout_cache.dir / "subdir").mkdir()
    flow.scout_cache.put("b_c", "text\n")
    assert flow.scout_cache.names() == ["b_c", "repo_x"]
    flow.scout_cache.delete("repo_x")
    assert flow.scout_cache.names() == ["b_c"]
    with pytest.raises(ValueError):
        flow.scout_cache.append("x")


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "", "x\n"])
def test_unsafe_names_are_refused(flow, tmp_path, name):
    with pytest.raises(InvalidInputError):
        flow.scout_cache.put(name, "x")
    assert not (tmp_path / "escape").exists()
