"""A rendered document, apart from the rendering (`render`: Jinja2 and matplotlib), so that the
commands that only write files do not load either."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rendered:
    """A document and the files that go beside it (figures, for Markdown)."""

    body: bytes
    attachments: dict[str, str] = field(default_factory=dict)
