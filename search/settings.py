"""Settings: the only place that reads os.environ."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

_CHECKOUT = Path(__file__).resolve().parent.parent
# In a checkout (editable install) the defaults live in the project; installed as a
# package, they are relative to the folder the command runs in.
PROJECT_ROOT = _CHECKOUT if (_CHECKOUT / "pyproject.toml").exists() else Path.cwd()


class SettingsError(ValueError):
    """An environment variable holds a value the settings cannot use."""


@dataclass(frozen=True)
class Settings:
    """Where the index and the reports live, and how pages are sized."""

    index_dir: Path = PROJECT_ROOT / "index"
    source_dirs: tuple[Path, ...] = (PROJECT_ROOT / "data" / "reports",)
    per_page: int = 20
    max_per_page: int = 100
    cache_dir: Path = PROJECT_ROOT / ".cache"
    request_budget: float = 5.0  # seconds of work per web request (search, export, views); 0: none
    # the scheme and host readers reach the site at (https://example.org), for the links
    # citations carry; "" takes them from each request (its Host header)
    public_url: str = ""

    @classmethod
    def from_env(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
        """Settings overridden by CPPCC_INDEX_DIR, CPPCC_SOURCES (os.pathsep-separated),
        CPPCC_PER_PAGE, CPPCC_CACHE_DIR, CPPCC_REQUEST_BUDGET (seconds, 0 for none) and
        CPPCC_PUBLIC_URL (http:// or https:// and a host: the path the app is mounted at comes
        from the request, as in every other link)."""
        env = os.environ if environ is None else environ
        s = cls()
        if env.get("CPPCC_INDEX_DIR"):
            s = replace(s, index_dir=Path(env["CPPCC_INDEX_DIR"]))
        if env.get("CPPCC_SOURCES"):
            dirs = tuple(Path(p) for p in env["CPPCC_SOURCES"].split(os.pathsep) if p)
            s = replace(s, source_dirs=dirs)
        if env.get("CPPCC_PER_PAGE"):
            raw = env["CPPCC_PER_PAGE"].strip()
            if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= s.max_per_page:
                raise SettingsError(
                    f"CPPCC_PER_PAGE must be a whole number from 1 to {s.max_per_page}, not {raw!r}."
                )
            s = replace(s, per_page=int(raw))
        if env.get("CPPCC_CACHE_DIR"):
            s = replace(s, cache_dir=Path(env["CPPCC_CACHE_DIR"]))
        if env.get("CPPCC_REQUEST_BUDGET"):
            raw = env["CPPCC_REQUEST_BUDGET"].strip()
            try:
                seconds = float(raw) if raw.isascii() else -1.0
            except ValueError:
                seconds = -1.0
            if not 0 <= seconds <= 3600:
                raise SettingsError(
                    f"CPPCC_REQUEST_BUDGET must be a number of seconds from 0 (no budget) to 3600, not {raw!r}."
                )
            s = replace(s, request_budget=seconds)
        if env.get("CPPCC_PUBLIC_URL"):
            raw = env["CPPCC_PUBLIC_URL"].strip()
            parts = urlsplit(raw)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query or parts.fragment:
                raise SettingsError(
                    f"CPPCC_PUBLIC_URL must be a scheme and host, such as https://example.org, not {raw!r}."
                )
            s = replace(s, public_url=f"{parts.scheme}://{parts.netloc}")
        return s

    def with_index(self, index_dir: str | Path) -> Settings:
        return replace(self, index_dir=Path(index_dir))
