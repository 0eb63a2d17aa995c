"""Writing the files commands produce: whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ceasefire.publish.document import Rendered


def write_atomically(path: Path, rendered: Rendered) -> None:
    """The document and its figures appear whole or not at all: each is written to a
    temporary file in the same folder, then renamed over the target."""
    targets = [(path, rendered.body)] + [
        (path.with_name(name), text.encode()) for name, text in rendered.attachments.items()
    ]
    write_files(targets)


def write_files(targets: list[tuple[Path, bytes]]) -> None:
    """Each file whole or not at all (a temporary beside it, renamed over it)."""
    umask = os.umask(0)
    os.umask(umask)
    for target, content in targets:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.chmod(temporary, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
