"""The HTTP stack alone, for `api_load.py`: the same server software as `ceasefire serve`
(uvicorn with httptools and uvloop, FastAPI), one route that parses the JSON body it is sent
and answers 201. No token, no validation, no database: what any request through this stack
costs on this machine, the ceiling for a service built on it.

Run by `api_load.py`: python -m uvicorn --app-dir benchmarks http_ceiling:app
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

app = FastAPI()


@app.post("/api/reports", status_code=201)
async def file_report(body: dict[str, Any]) -> dict[str, int]:
    return {"added": 1, "fields": len(body)}
