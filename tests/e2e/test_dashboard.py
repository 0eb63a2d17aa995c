"""The dashboard in a real browser (Debian's Chromium, driven by Playwright): it signs in,
draws the record's incidents over the bundled boundaries, asks nothing of any server but its
own, and shows a role only what the API lets that role have."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, FloatRect, Page, Response, sync_playwright

from ceasefire.clock import utc_now
from ceasefire.domain.access import Role
from ceasefire.services.users import add_user
from ceasefire.store.db import make_engine, writing

from ..conftest import free_port, wait_until_serving

REPORTS = (
    "source_id,source_kind,source_org,external_id,observed_start,lon,lat,uncertainty_m,"
    "category,alleged_party,damaged_object\n"
    """osce-1,monitor_patrol,OSCE,d1,2025-04-20T08:00Z,37.95,48.28,300,artillery,RU,
icrc-1,monitor_patrol,ICRC,d2,2025-04-20T08:03Z,37.955,48.285,300,explosion,,
osce-3,monitor_patrol,OSCE,d4,2025-04-21T14:00Z,36.30,47.60,300,mortar,UA,
osce-4,monitor_patrol,OSCE,d5,2025-04-22T03:00Z,35.20,47.80,500,drone_strike,RU,energy
"""
)


def chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        message = "Debian's chromium is not installed (scripts/ensure-services installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def cli(db: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "ceasefire", "--db", db, *args], check=True, capture_output=True
    )


Site = tuple[str, dict[Role, str], str]  # address, a token per role, the database URL


@contextmanager
def site_with(
    folder: Path, steps: list[tuple[str, ...]], users: dict[Role, str | None]
) -> Iterator[Site]:
    """A database set up by `ceasefire` commands, users with tokens, and a server on it."""
    db = f"sqlite:///{folder / 'site.db'}"
    cli(db, "init")
    for step in steps:
        cli(db, *step)
    engine = make_engine(db)
    with writing(engine) as connection:
        tokens = {
            r: add_user(connection, r.value, r, party, clock=utc_now) for r, party in users.items()
        }
    engine.dispose()
    with serving(db) as base:
        yield base, tokens, db


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[Role, str]]]:
    folder = tmp_path_factory.mktemp("dashboard")
    (folder / "reports.csv").write_text(REPORTS)
    steps = [("agreement", "load", "korea-model-demo"), ("ingest", str(folder / "reports.csv"))]
    with site_with(folder, steps, {Role.ANALYST: None, Role.OBSERVER: None}) as (base, tokens, _):
        yield base, tokens


@contextmanager
def serving(db: str) -> Iterator[str]:
    """`ceasefire serve` on a free port until the caller is done; yields its address."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ceasefire",
            "--db",
            db,
            "serve",
            "--port",
            str(port),
            "--clock-interval",
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base, server)
    yield base
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def close_pages(browser: Browser) -> Iterator[None]:
    """Each test's pages are closed after it: open, they keep polling and holding event streams,
    which slow the next tests and keep each server's shutdown waiting its grace period."""
    yield
    for context in browser.contexts:
        context.close()


def analyst_page(browser: Browser, base: str, tokens: dict[Role, str]) -> Page:
    """The site's page, signed in as its analyst, once its three incidents are in."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/#token={tokens[Role.ANALYST]}")
    page.wait_for_function("document.getElementById('count').textContent === '3 incidents'")
    return page


# Where the first thing on the incidents layer is drawn, in page coordinates.
FIRST_LAYER_ON_SCREEN = (
    "(() => { const m = incidentLayer.getLayers()[0];"
    " const p = map.latLngToContainerPoint(m.getLatLng());"
    " const r = document.getElementById('map').getBoundingClientRect();"
    " return [r.left + p.x, r.top + p.y]; })()"
)


def test_the_picture_for_an_analyst_from_its_own_server_only(
    site: tuple[str, dict[Role, str]], browser: Browser, tmp_path: Path
) -> None:
    base, tokens = site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    asked: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/#token={tokens[Role.ANALYST]}")
    page.wait_for_function("document.getElementById('count').textContent === '3 incidents'")
    page.wait_for_function("Number(document.body.dataset.zones) > 0", timeout=30_000)
    assert page.locator("#sign-in").is_hidden()
    assert page.locator("#who").inner_text() == "analyst — analyst"
    page.wait_for_function("document.body.dataset.held === 'held by RU'")
    assert page.locator("#legend li").count() == 8  # 7, and the shaded ground held by RU
    assert "#token" not in page.url  # the token leaves the address bar at once
    page.screenshot(path=str(tmp_path / "analyst.png"))
    outside = [url for url in asked if not url.startswith(base) and not url.startswith("data:")]
    assert outside == []
    assert errors == []
    assert any(url.startswith(f"{base}/api/map/incidents") for url in asked)


def test_an_observer_is_sent_no_incidents(
    site: tuple[str, dict[Role, str]], browser: Browser
) -> None:
    base, tokens = site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    incidents = f"{base}/api/map/incidents"
    with page.expect_response(lambda r: r.url.split("?")[0] == incidents) as answer:
        page.goto(f"{base}/#token={tokens[Role.OBSERVER]}")
    page.wait_for_function("document.getElementById('who').textContent.includes('observer')")
    assert answer.value.status == 403  # refused by the server, not hidden
    assert page.locator("#count").inner_text() == ""


def test_sign_in_by_keyboard(site: tuple[str, dict[Role, str]], browser: Browser) -> None:
    base, tokens = site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(base)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "token"
    page.keyboard.type(tokens[Role.ANALYST])
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('count').textContent.includes('incident')")
    assert page.locator("#picture").is_visible()


def test_an_incident_opens_with_its_history_and_reports(
    site: tuple[str, dict[Role, str]], browser: Browser
) -> None:
    base, tokens = site
    page = analyst_page(browser, base, tokens)
    # Open the first incident the way a click on it does, then wait for its detail.
    page.evaluate("openIncident(incidentLayer.getLayers()[0])")
    page.wait_for_selector(".detail h3")
    text = page.locator(".detail").inner_text()
    assert "Status history" in text
    assert "source osce-" in text or "source icrc-" in text  # an analyst sees sources
    # And with the mouse: a click on a marker opens its incident.
    page.keyboard.press("Escape")
    page.evaluate("map.closePopup()")
    x, y = page.evaluate(FIRST_LAYER_ON_SCREEN)
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup .detail h3")


def test_clusters_sit_on_the_map_say_what_they_hold_and_open_by_zooming(
    site: tuple[str, dict[Role, str]], browser: Browser, tmp_path: Path
) -> None:
    base, tokens = site
    page = analyst_page(browser, base, tokens)
    page.evaluate("map.setZoom(4, { animate: false })")  # the three incidents come together
    bubble = page.locator(".cluster")
    bubble.wait_for()
    assert bubble.count() == 1
    assert bubble.get_attribute("title") == "3 incidents, 1 grave: zoom in"
    assert bubble.inner_text().split() == ["3", "1"]
    assert within(bubble.bounding_box(), page.locator("#map").bounding_box())
    # Placed by Leaflet, out of the page's flow (a bubble in the flow lands below the last).
    assert bubble.evaluate("(node) => getComputedStyle(node).position") == "absolute"
    box = bubble.bounding_box()
    assert box is not None
    where = page.evaluate(FIRST_LAYER_ON_SCREEN)
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert abs(centre[0] - where[0]) <= 2
    assert abs(centre[1] - where[1]) <= 2
    page.screenshot(path=str(tmp_path / "cluster.png"))
    bubble.click()
    page.wait_for_function("map.getZoom() > 4")
    page.wait_for_function("incidentLayer.getLayers().some((layer) => layer.incident)")


def within(inner: FloatRect | None, outer: FloatRect | None) -> bool:
    """Whether a box lies inside another (both drawn on the page)."""
    assert inner is not None
    assert outer is not None
    return (
        outer["x"] <= inner["x"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
        and outer["y"] <= inner["y"]
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"]
    )


def test_the_newest_incidents_in_view_open_by_keyboard(
    site: tuple[str, dict[Role, str]], browser: Browser
) -> None:
    base, tokens = site
    page = analyst_page(browser, base, tokens)
    listed = page.locator("#in-view button").all_inner_texts()
    assert len(listed) == 3
    assert listed[0].endswith("2025-04-22 03:00 UTC")  # newest first
    assert "drone strike" in listed[0]
    page.focus("#in-view button")
    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup .detail h3")
    page.evaluate("map.setView([44.0, 30.0], 9, { animate: false })")  # the Black Sea
    page.wait_for_function(
        "document.getElementById('in-view').textContent === 'No incident in view.'"
    )


def test_filters_narrow_the_map(site: tuple[str, dict[Role, str]], browser: Browser) -> None:
    base, tokens = site
    page = analyst_page(browser, base, tokens)
    page.select_option("#severity", "grave")  # the drone strike on energy infrastructure
    page.click("#filters button[type=submit]")
    page.wait_for_function("document.getElementById('count').textContent === '1 incident'")
    page.select_option("#severity", "")
    page.fill("#party", "ua")
    page.click("#filters button[type=submit]")
    page.wait_for_function("document.getElementById('count').textContent === '1 incident'")


COMMITMENTS = Path(__file__).parents[1] / "fixtures" / "commitments"


@pytest.fixture(scope="module")
def commitments_site(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, dict[Role, str]]]:
    steps = [
        ("agreement", "load", str(COMMITMENTS / "agreement.yaml")),
        ("exchange", "lists", "import", "--side", "RU", str(COMMITMENTS / "agreed_ru.csv")),
        (
            "exchange", "record", "--date", "2026-02-05", "--side", "UA",
            "--received", str(COMMITMENTS / "received_ua_2026-02-05.csv"),
        ),
        ("commitments", "dispute", "disengagement-zolote-ua", "--reason", "positions remain"),
    ]  # fmt: skip
    users = {Role.GUARANTOR: "US", Role.MONITOR: None}
    with site_with(tmp_path_factory.mktemp("commitments"), steps, users) as (base, tokens, _):
        yield base, tokens


def test_commitments_board_for_a_guarantor_without_a_single_name(
    commitments_site: tuple[str, dict[Role, str]], browser: Browser, tmp_path: Path
) -> None:
    base, tokens = commitments_site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(f"{base}/#token={tokens[Role.GUARANTOR]}")
    page.wait_for_selector("#commitments .commitment-overdue")
    entries = page.locator("#commitments > li").all_inner_texts()
    assert entries[0].startswith("exchange-ru (RU): overdue")
    assert "5 of 10 persons" in entries[0]
    assert any(e.startswith("disengagement-zolote-ua (UA): disputed") for e in entries)
    page.screenshot(path=str(tmp_path / "commitments.png"))
    bodies = [r.text() for r in responses if "/api/" in r.url and r.ok]
    assert any('"exchange-ru"' in body for body in bodies)
    shown = page.locator("body").inner_text() + "".join(bodies)
    assert "Коваленко" not in shown
    assert "Kovalenko" not in shown


def test_a_role_without_commitments_is_told_so(
    commitments_site: tuple[str, dict[Role, str]], browser: Browser
) -> None:
    base, tokens = commitments_site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/#token={tokens[Role.MONITOR]}")
    page.wait_for_function(
        "document.getElementById('commitments').textContent.includes('Not available')"
    )


def test_the_map_draws_the_line_and_the_zones(
    site: tuple[str, dict[Role, str]], browser: Browser, tmp_path: Path
) -> None:
    base, tokens = site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/#token={tokens[Role.ANALYST]}")
    page.wait_for_function("Number(document.body.dataset.zones) > 0", timeout=30_000)
    page.wait_for_function("document.getElementById('count').textContent === '3 incidents'")
    # Lines and zones are drawn on a canvas of their own pane (preferCanvas keeps 100,000 fast).
    assert page.locator(".leaflet-zones-pane canvas").count() >= 1
    page.screenshot(path=str(tmp_path / "map.png"))


def test_category_filter_and_timeline_selection_narrow_the_map(
    site: tuple[str, dict[Role, str]], browser: Browser, tmp_path: Path
) -> None:
    base, tokens = site
    page = analyst_page(browser, base, tokens)
    page.select_option("#category", "mortar")
    page.wait_for_function("document.getElementById('count').textContent === '1 incident'")
    page.select_option("#category", "")
    page.wait_for_function("document.getElementById('count').textContent === '3 incidents'")
    # Brush the first fifth of the timeline: only the 20 April incident began in it.
    box = page.locator("#timeline").bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 10, y)  # left of the first bar: the selection starts there
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.2, y, steps=5)
    page.mouse.up()
    page.wait_for_function(
        "document.getElementById('count').textContent === '1 incident in the selected window'"
    )
    page.screenshot(path=str(tmp_path / "timeline-selection.png"))
    page.click("#clear-selection")
    page.wait_for_function("document.getElementById('count').textContent === '3 incidents'")
    # The same by keyboard: the first hour, widened by an hour, then cleared.
    page.focus("#timeline")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "document.getElementById('count').textContent === '1 incident in the selected window'"
    )
    assert page.evaluate("(selection[1] - selection[0]) / 3600000") == 1
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_function("(selection[1] - selection[0]) / 3600000 === 2")
    assert page.locator("#count").inner_text() == "1 incident in the selected window"
    page.keyboard.press("Escape")
    page.wait_for_function("document.getElementById('count').textContent === '3 incidents'")


def recent_reports(hours_ago: tuple[float, ...], lon: float = 37.95, lat: float = 48.28) -> str:
    """RU artillery at a point near Horlivka, `hours_ago` each, as our CSV."""
    now = utc_now()
    header = (
        "source_id,source_kind,source_org,external_id,observed_start,lon,lat,category,"
        "alleged_party\n"
    )
    rows = [
        f"osce-{k},monitor_patrol,OSCE,r{lon}-{k},{(now - timedelta(hours=h)).isoformat()},"
        f"{lon},{lat},artillery,RU\n"
        for k, h in enumerate(hours_ago)
    ]
    return header + "".join(rows)


@pytest.fixture(scope="module")
def engine_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A plan running on violations of the last hours: a track in phase 1, open actions."""
    folder = tmp_path_factory.mktemp("engine")
    (folder / "recent.csv").write_text(recent_reports((5, 4)))
    steps = [
        ("agreement", "load", "korea-model-demo"),
        ("ingest", str(folder / "recent.csv")),
        ("plan", "adopt", "coalition-three-phase", "--counting", "reported"),
        ("clock", "--once"),
    ]
    with site_with(folder, steps, {Role.ANALYST: None, Role.GUARANTOR: "US"}) as found:
        yield found


def test_a_banner_explains_its_phase(engine_site: Site, browser: Browser, tmp_path: Path) -> None:
    base, tokens, _ = engine_site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/#token={tokens[Role.ANALYST]}")
    page.wait_for_selector(".banner .why")
    assert "RU — phase 1: Warning" in page.locator(".banner").first.inner_text()
    page.locator(".banner .why").first.click()
    page.wait_for_selector("#explain[open]")
    text = page.locator("#explain").inner_text()
    assert "RU: phase 1 Warning" in text
    assert "first violation the plan counts" in text  # the rule, in words
    assert "Evidence (1)" in text
    assert "INC-" in text  # the incident that opened the track
    page.screenshot(path=str(tmp_path / "explanation.png"))
    page.click("#explain-close")
    assert page.locator("#explain[open]").count() == 0
    # every clock still running, not only the next one (phase 1: the cure, the stand-down)
    clocks = page.locator(".banner").first.locator(".clock")
    assert clocks.count() >= 2
    assert all(" in " in clocks.nth(k).inner_text() for k in range(clocks.count()))
    # the evidence opens the incident where it happened
    page.locator(".banner .why").first.click()
    page.wait_for_selector("#explain[open] .evidence")
    cited = page.locator("#explain .evidence").first.inner_text()
    page.locator("#explain .evidence").first.click()
    page.wait_for_selector(".leaflet-popup .detail")
    assert page.locator("#explain[open]").count() == 0
    assert cited in page.locator(".leaflet-popup").inner_text()
    page.screenshot(path=str(tmp_path / "evidence.png"))


def test_a_guarantor_acknowledges_and_the_board_updates(
    engine_site: Site, browser: Browser
) -> None:
    base, tokens, _ = engine_site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/#token={tokens[Role.GUARANTOR]}")
    page.wait_for_selector("#actions button")
    before = page.locator("#actions button").count()
    assert "diplomatic warning" in page.locator("#actions").inner_text().lower()
    page.locator("#actions button").first.click()
    page.wait_for_function(f"document.querySelectorAll('#actions button').length === {before - 1}")


@pytest.fixture(scope="module")
def coalition_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """RU's track in phase 2: the coalition's twenty-one members each owe its actions."""
    folder = tmp_path_factory.mktemp("coalition")
    (folder / "recent.csv").write_text(recent_reports((30, 4)))
    steps = [
        ("agreement", "load", "korea-model-demo"),
        ("ingest", str(folder / "recent.csv")),
        ("plan", "adopt", "coalition-three-phase", "--counting", "reported"),
        ("clock", "--once"),
    ]
    users = {Role.ANALYST: None, Role.GUARANTOR: "GB", Role.LIAISON: "RU"}
    with site_with(folder, steps, users) as found:
        yield found


def test_each_guarantor_answers_for_itself_and_the_party_warned_sees_its_notices(
    coalition_site: Site, browser: Browser, tmp_path: Path
) -> None:
    base, tokens, _ = coalition_site
    gb = browser.new_page(viewport={"width": 1280, "height": 800})
    gb.goto(f"{base}/#token={tokens[Role.GUARANTOR]}")
    gb.wait_for_selector("#actions button")
    reinforce = gb.locator("#actions li", has_text="phase 2: reinforce by")
    assert "0 of 21 acknowledged" in reinforce.inner_text()
    assert "each of GB, FR" in reinforce.inner_text()
    reinforce.locator("button").click()
    # GB's answer closes GB's part only: the action stays, twenty still owe it.
    gb.wait_for_function(
        "[...document.querySelectorAll('#actions li')].some(li => "
        "li.textContent.includes('1 of 21 acknowledged'))"
    )
    reinforce = gb.locator("#actions li", has_text="phase 2: reinforce by")
    assert "waiting on FR, DE" in reinforce.inner_text()
    assert reinforce.locator("button").count() == 0  # nothing left for GB to answer there
    gb.screenshot(path=str(tmp_path / "obligations.png"))
    # RU's liaison sees only the notices the plan addresses to RU, and confirms receipt.
    ru = browser.new_page(viewport={"width": 1280, "height": 800})
    ru.goto(f"{base}/#token={tokens[Role.LIAISON]}")
    ru.wait_for_selector("#actions button")
    told = ru.locator("#actions li")
    assert told.count() == 2
    assert all(" acknowledge " in told.nth(k).inner_text() for k in range(2))
    ru.screenshot(path=str(tmp_path / "liaison-notices.png"))
    ru.locator("#actions button").first.click()
    ru.wait_for_function("document.querySelectorAll('#actions button').length === 1")


def test_the_common_picture_names_places_shades_who_holds_what_and_switches_zone(
    engine_site: Site, browser: Browser, tmp_path: Path
) -> None:
    base, tokens, _ = engine_site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/#token={tokens[Role.ANALYST]}")
    page.wait_for_selector(".banner")
    page.wait_for_function("Number(document.body.dataset.places) > 0")
    page.wait_for_function("document.body.dataset.held === 'held by RU'")
    names = page.locator(".place span").all_inner_texts()
    assert "Donetsk" in names  # a city of the line at the first zoom
    banner = page.locator(".banner").first.inner_text()
    assert " UTC" in banner
    assert page.locator("#zone option").count() == 2
    page.select_option("#zone", "Europe/Kyiv")
    page.wait_for_function(
        "document.querySelector('.banner') && document.querySelector('.banner')"
        ".textContent.includes(' Kyiv')"
    )
    # T0 said in Kyiv time: two or three hours ahead of UTC, as the season has it
    utc_t0 = datetime.fromisoformat(banner.split("T0 ")[1][:16])
    kyiv = page.locator(".banner").first.inner_text().split("T0 ")[1][:16]
    offset = ZoneInfo("Europe/Kyiv").utcoffset(utc_t0)
    assert datetime.fromisoformat(kyiv) - utc_t0 == offset
    page.screenshot(path=str(tmp_path / "places-held-kyiv.png"))
    page.reload()  # the choice is kept
    page.wait_for_selector(".banner")
    page.wait_for_function("document.querySelector('.banner').textContent.includes(' Kyiv')")


def test_a_new_incident_appears_without_a_reload(engine_site: Site, browser: Browser) -> None:
    base, tokens, db = engine_site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/#token={tokens[Role.ANALYST]}")
    page.wait_for_function("document.body.dataset.drawn !== undefined")
    page.wait_for_function("document.body.dataset.recordSeq !== undefined")
    before = int(page.evaluate("document.body.dataset.drawn"))
    (Path(db.removeprefix("sqlite:///")).parent / "more.csv").write_text(
        recent_reports((1,), lon=36.30, lat=47.60)
    )
    cli(db, "ingest", str(Path(db.removeprefix("sqlite:///")).parent / "more.csv"))
    page.wait_for_function(f"Number(document.body.dataset.drawn) === {before + 1}", timeout=20_000)


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1280, 800)])
def test_everything_fits_a_laptop_screen(
    site: tuple[str, dict[Role, str]], browser: Browser, tmp_path: Path, width: int, height: int
) -> None:
    base, tokens = site
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{base}/#token={tokens[Role.ANALYST]}")
    page.wait_for_function("document.getElementById('count').textContent === '3 incidents'")
    page.wait_for_function("Number(document.body.dataset.zones) > 0", timeout=30_000)
    for selector in ("#map", "#timeline", "aside", "#filters"):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["x"] >= 0, selector
        assert box["x"] + box["width"] <= width + 1, selector
        assert box["y"] + box["height"] <= height + 1, selector  # no scrolling to reach it
        assert box["height"] > 40, selector
    page.screenshot(path=str(tmp_path / f"laptop-{width}x{height}.png"))


def test_with_two_plans_each_banner_names_its_plan(
    tmp_path_factory: pytest.TempPathFactory, browser: Browser
) -> None:
    folder = tmp_path_factory.mktemp("two-plans")
    (folder / "recent.csv").write_text(recent_reports((5, 4)))
    steps = [
        ("agreement", "load", "korea-model-demo"),
        ("ingest", str(folder / "recent.csv")),
        ("plan", "adopt", "coalition-three-phase", "--counting", "reported"),
        ("plan", "adopt", "symmetric-monitoring", "--counting", "reported"),
        ("clock", "--once"),
    ]
    with site_with(folder, steps, {Role.ANALYST: None}) as (base, tokens, _):
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/#token={tokens[Role.ANALYST]}")
        page.wait_for_selector(".banner strong")
        names = page.locator(".banner strong").all_inner_texts()
        assert any("(coalition-three-phase)" in n for n in names), names
        assert all(n.endswith(")") for n in names), names
