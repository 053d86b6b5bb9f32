"""One settings object built from options and the environment (no hidden globals)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping


@dataclass(frozen=True)
class Settings:
    store_dir: Path = Path("kg-data")          # embedded store (KG_STORE)
    neo4j_uri: str | None = None               # NEO4J_URI: use Neo4j instead of the embedded store
    neo4j_user: str = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str | None = None
    max_bytes: int = 20 * 1024 * 1024
    corrections: Path | None = None            # KG_CORRECTIONS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        env = os.environ if env is None else env
        base = cls(
            store_dir=Path(env.get("KG_STORE", "kg-data")),
            neo4j_uri=env.get("NEO4J_URI") or None,
            neo4j_user=env.get("NEO4J_USER", "neo4j"),
            neo4j_password=env.get("NEO4J_PASSWORD") or None,
            neo4j_database=env.get("NEO4J_DATABASE") or None,
            corrections=Path(env["KG_CORRECTIONS"]) if env.get("KG_CORRECTIONS") else None,
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
        if "store_dir" in clean:
            clean["store_dir"] = Path(str(clean["store_dir"]))
        return replace(base, **clean)

    @property
    def backend(self) -> str:
        return "neo4j" if self.neo4j_uri else "falkordb"
