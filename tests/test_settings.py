from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.settings import PROJECT_ROOT, Settings, SettingsError


def test_defaults_live_in_the_checkout() -> None:
    s = Settings.from_env({})
    assert s.index_dir == PROJECT_ROOT / "index"
    assert s.source_dirs == (PROJECT_ROOT / "data" / "reports",)
    assert s.per_page == 20


def test_environment_overrides() -> None:
    s = Settings.from_env(
        {"CPPCC_INDEX_DIR": "/srv/ix", "CPPCC_SOURCES": "/a:/b", "CPPCC_PER_PAGE": "50", "CPPCC_CACHE_DIR": "/c"}
    )
    assert (s.index_dir, s.source_dirs, s.per_page, s.cache_dir) == (
        Path("/srv/ix"), (Path("/a"), Path("/b")), 50, Path("/c"),
    )  # fmt: skip


@pytest.mark.parametrize("value", ["0", "500", "abc", "-3", "２０"])
def test_bad_page_size_is_a_named_error(value: str) -> None:
    with pytest.raises(SettingsError, match="CPPCC_PER_PAGE"):
        Settings.from_env({"CPPCC_PER_PAGE": value})


def test_the_cli_turns_a_bad_setting_into_a_message() -> None:
    result = CliRunner().invoke(main, ["stats"], env={"CPPCC_PER_PAGE": "abc"})
    assert result.exit_code == 1
    assert "CPPCC_PER_PAGE" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(
    "value, expected",
    [("https://example.org", "https://example.org"), ("http://cppcc.test:8080/", "http://cppcc.test:8080")],
)
def test_the_public_url_is_a_scheme_and_host(value: str, expected: str) -> None:
    assert expected == Settings.from_env({"CPPCC_PUBLIC_URL": value}).public_url
    assert "" == Settings.from_env({}).public_url


@pytest.mark.parametrize("value", ["example.org", "ftp://example.org", "https://", "https://example.org/cppcc",
                                   "https://example.org/?a=1", "javascript:alert(1)"])  # fmt: skip
def test_a_public_url_that_is_not_one_is_a_named_error(value: str) -> None:
    with pytest.raises(SettingsError, match="CPPCC_PUBLIC_URL"):
        Settings.from_env({"CPPCC_PUBLIC_URL": value})
