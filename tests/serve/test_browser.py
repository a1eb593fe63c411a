"""Each page driven in a real browser (headless Chromium through Playwright) as a user drives
it: type, click, read the result, point at a gradient term and see its path lit.

Needs Debian's chromium and the playwright package; without them these tests are skipped with
a message saying how to install them, except where RNNLAB_REQUIRE_BROWSER=1 (CI) makes a
missing browser a failure."""

from __future__ import annotations

import json
import os
import shutil
from urllib.parse import quote

import pytest

from rnnlab.text.ciphers import make_cipher

from .conftest import RUN

HOW = ("no browser for the page's tests: apt-get install chromium, and pip install "
       "'playwright>=1.49' (Playwright drives Debian's chromium; no download needed)")
PLAIN = "The quick brown fox jumps over the lazy dog."


def _chromium() -> str | None:
    return os.environ.get("RNNLAB_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


@pytest.fixture(scope="module")
def browser():
    path = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # the page's tests need it; the rest of the suite does not
        path = None
    if path is None:
        if os.environ.get("RNNLAB_REQUIRE_BROWSER") == "1":
            pytest.fail(HOW)
        pytest.skip(HOW)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser, client):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.errors = []  # every console error and uncaught exception, asserted empty at the end
    pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.base = f"http://127.0.0.1:{client.port}/"
    # nothing the page asks for may come from anywhere but this server
    pg.on("request", lambda r: r.url.startswith((pg.base, "data:")) or pg.errors.append(r.url))
    yield pg
    errors = list(pg.errors)
    context.close()
    assert not errors, errors


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _open(page, hash_: str) -> None:
    page.goto(page.base + hash_)
    page.wait_for_selector("body[data-ready='1']")


def test_decipher_a_typed_text_and_the_link_reproduces_it(page):
    _open(page, "#/decipher")
    page.wait_for_selector(f"#dec-run option[value='{RUN}']", state="attached")
    page.select_option("#dec-run", RUN)
    page.fill("#dec-text", make_cipher("caesar", "3").encrypt(PLAIN))
    page.click("#dec-go")
    page.wait_for_selector("#dec-out:not(:empty)")
    assert page.text_content("#dec-out") == PLAIN
    assert "0 of" in page.text_content("#dec-stats") and page.is_hidden("#dec-note")
    link = page.url
    assert f"run={RUN}" in link and "text=Wkh" in link
    _open(page, link.split("/", 3)[3])  # the same address, a fresh page
    page.wait_for_selector("#dec-out:not(:empty)")
    assert page.text_content("#dec-out") == PLAIN


def test_decipher_marks_unknown_text_with_a_warning(page):
    text = quote("Ωμέγα " * 30 + "Wkh grj")
    _open(page, f"#/decipher?run={RUN}&text={text}")
    page.wait_for_selector("#dec-note:not([hidden])")
    assert "unlike the model's training data" in page.text_content("#dec-note")


def test_crack_shows_plaintext_key_and_candidates(page):
    _open(page, "#/crack")
    page.fill("#crack-text", make_cipher("caesar", "3").encrypt(PLAIN + " It sleeps all day."))
    page.fill("#crack-limit", "5")
    page.click("#crack-go")
    page.wait_for_selector("#crack-found-key", timeout=30_000)
    assert page.text_content("#crack-out").startswith(PLAIN)
    assert page.text_content("#crack-found-cipher") == "caesar"
    assert page.text_content("#crack-found-key") == "3"
    assert page.locator("#crack-cands tbody tr").count() == 5
    assert float(page.text_content("#crack-found-confidence")) > 0.9


def test_train_from_the_page_and_decipher_with_the_run(page, runs_dir):
    _open(page, "#/train")
    page.select_option("#train-cipher", "caesar")
    page.fill("#train-key", "7")
    page.fill("#train-epochs", "2")
    page.fill("#train-name", "browser-caesar7")
    page.click("#train-go")
    page.wait_for_selector("#train-open", timeout=120_000)
    assert int(page.get_attribute("#train-chart", "data-records")) >= 1
    assert page.locator("#train-chart svg").count() == 2
    assert (runs_dir / "browser-caesar7" / "model.safetensors").is_file()
    page.click("#train-open")
    expect(page.locator("#dec-run")).to_have_value("browser-caesar7")
    assert page.is_visible("#page-decipher")


def test_bptt_shows_the_worked_example_and_lights_a_terms_path(page, client):
    _open(page, "#/bptt")
    page.wait_for_selector("#bptt-total-W_h")
    numbers = client.post("/api/bptt", {"wh": 1, "wx": 0.1, "wy": 2, "h0": 1, "x": [10, 10],
                                        "y": [5, 5]})[1]["numbers"]  # fmt: skip
    assert page.text_content("#bptt-total-W_h") == "8" == f"{numbers['grad']['W_h']:g}"
    assert [page.text_content(f"#bptt-total-h_{k}") for k in (0, 1, 2)] == ["0", "0", "4"]
    assert page.text_content("#bptt-loss-line") == "L = 2"
    shown = [page.text_content(f"#node-h-{t} .value") for t in (1, 2)]
    assert shown == [f"{h:g}" for h in numbers["h"]] == ["2", "3"]
    page.hover("#bptt-grads li.term[data-name='W_h'][data-t='2'][data-k='1']")
    lit = set(page.eval_on_selector_all("#bptt-drawing .lit", "els => els.map(e => e.id)"))
    assert lit == {"node-J-2", "edge-yJ-2", "node-y-2", "edge-hy-2", "node-h-2", "edge-hh-2",
                   "node-h-1", "edge-hh-1", "node-h-0"}  # fmt: skip
    page.hover("#bptt-grads li.term[data-name='W_x'][data-t='2'][data-k='2']")
    lit = set(page.eval_on_selector_all("#bptt-drawing .lit", "els => els.map(e => e.id)"))
    assert {"edge-xh-2", "node-x-2"} <= lit and "edge-hh-2" not in lit
    assert "dL/dW_h = 2*(y_hat_1 - y_1)" in page.text_content("#bptt-symbolic-text")


def test_bptt_edits_go_into_the_address_and_bad_input_is_said(page):
    _open(page, "#/bptt?wh=0.5&x=1+2+3&y=1+1+1&act=tanh")
    page.wait_for_selector("#node-h-3")
    assert page.input_value("#bptt-activation") == "tanh"
    page.fill("#bptt-x", "ten")
    page.click("#bptt-go")
    page.wait_for_selector("#bptt-error:not([hidden])")
    assert "not a list of numbers" in page.text_content("#bptt-error")
    assert "x=ten" in page.url


def test_gradients_draws_the_chosen_cell(page):
    _open(page, "#/gradients")
    page.select_option("#grad-cell", "lstm")
    page.fill("#grad-hidden", "8")
    page.fill("#grad-steps", "30")
    page.click("#grad-go")
    page.wait_for_selector("#grad-verdict:not(:empty)", timeout=30_000)
    assert "At t = 30" in page.text_content("#grad-verdict")
    assert page.locator("#grad-chart svg path.line").count() == 1
    assert "cell=lstm" in page.url and "hidden=8" in page.url


def test_crack_marks_the_letters_the_text_cannot_settle(page):
    # the last word's one 'p' occurs nowhere else: many letters read as well there
    text = ("kon luh kogevnalc, ljnz vecl xn closagc hy ntekr rnaglj, kaq sa ljn oncerlsag "
            "qswlshakoz, nkwj wjkokwlno sa b")
    _open(page, f"#/crack?text={quote(text)}&cipher=substitution&limit=6&n=3")
    page.wait_for_selector("#crack-found-unsettled", timeout=30_000)
    listed = page.text_content("#crack-found-unsettled")
    assert listed != "none"
    given = {pair.strip()[0] for pair in listed.split(",")}
    marked = page.locator("#crack-out mark.ambiguous").all_text_contents()
    plain = page.text_content("#crack-out")
    assert marked and {m.lower() for m in marked} == given
    assert len(marked) == sum(c.lower() in given for c in plain)


def _lit(page) -> set[str]:
    return set(page.eval_on_selector_all("#bptt-drawing .lit", "els => els.map(e => e.id)"))


def test_bptt_lights_the_path_of_every_kind_of_term(page):
    spec = {"params": {"W_h": [[1]], "W_x": [[0.1]], "W_y": [[2]], "b_y": [0.5]},
            "x": [10, 10], "y": [5, 5], "h0": [1]}  # fmt: skip
    _open(page, f"#/bptt?spec={quote(json.dumps(spec))}")
    page.wait_for_selector("#bptt-total-b_y")
    page.hover("#bptt-grads li.term[data-name='b_y'][data-t='2']")
    assert _lit(page) == {"node-J-2", "edge-yJ-2", "node-y-2"}  # the bias skips W_y's edge
    page.hover("#bptt-grads li.term[data-name='W_y'][data-t='1']")
    assert _lit(page) == {"node-J-1", "edge-yJ-1", "node-y-1", "edge-hy-1", "node-h-1"}
    page.hover("#bptt-grads li.term[data-name='h_1'][data-t='2']")
    assert _lit(page) == {"node-J-2", "edge-yJ-2", "node-y-2", "edge-hy-2", "node-h-2",
                          "edge-hh-2", "node-h-1"}  # fmt: skip
    page.hover("#bptt-grads h3")  # off the terms: nothing stays lit
    assert _lit(page) == set()


def test_decipher_colours_text_with_characters_outside_the_basic_plane(page):
    text = quote(make_cipher("caesar", "3").encrypt("The 😀 dog barks."))
    _open(page, f"#/decipher?run={RUN}&text={text}")
    page.wait_for_selector("#dec-out:not(:empty)")
    assert page.text_content("#dec-out") == "The 😀 dog barks."
    classes = page.eval_on_selector_all("#dec-out span", "els => els.map(e => e.className)")
    assert classes and not any("NaN" in c for c in classes)


def test_a_reloaded_train_page_finds_its_training_and_can_cancel_it(page, client):
    status, r = client.post("/api/train", {"cipher": "vigenere", "key": "LEMON", "epochs": 200,
                                           "name": "browser-reattach"})  # fmt: skip
    assert status == 200, r
    _open(page, "#/train")
    expect(page.locator("#train-cancel")).to_be_enabled(timeout=10_000)
    page.click("#train-cancel")
    page.wait_for_selector("#train-open", timeout=60_000)
    assert "interrupted" in page.text_content("#train-result")
    assert client.wait(r["job"])["state"] == "cancelled"
