"""Screenshots of each page of `rnnlab serve`, as a user sees them, for docs/ and the README.

    python scripts/page_screenshots.py --runs runs --run demo-... --out docs/figures

Starts the server on a free port over RUNS, drives headless Chromium (Debian's package,
through Playwright) through the five pages with real inputs (it trains one small run from
the Train page, into RUNS), and writes page-NAME.png into OUT.
"""

from __future__ import annotations

import argparse
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

from rnnlab.serve import make_server
from rnnlab.text.ciphers import make_cipher

DECIPHER = ("\u201cCaf\u00e9,\u201d she said \u2014 na\u00efve, isn\u2019t it? \u00a35 for "
            "d\u00e9j\u00e0 vu.\nQUOTH THE RAVEN, 'NEVERMORE.' 3.14159 <html> {}|\\^")
SUBSTITUTION = ("kon luh kogevnalc, ljnz vecl xn closagc hy ntekr rnaglj, kaq sa ljn oncerlsag "
                "qswlshakoz, nkwj wjkokwlno sa b")


def shoot(base: str, run: str, out: Path, chromium: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 820}, device_scale_factor=1)

        def open_(hash_: str) -> None:
            page.goto(base + hash_)
            page.wait_for_selector("body[data-ready='1']")

        text = quote(make_cipher("caesar", "3").encrypt(DECIPHER))
        open_(f"#/decipher?run={run}&text={text}&threshold=0.9")
        page.wait_for_selector("#dec-out:not(:empty)")
        page.screenshot(path=out / "page-decipher.png", full_page=True)

        open_(f"#/crack?text={quote(SUBSTITUTION)}&cipher=auto&limit=10&n=5")
        page.wait_for_selector("#crack-found-key", timeout=60_000)
        page.screenshot(path=out / "page-crack.png", full_page=True)

        open_("#/train?cipher=vigenere&key=LEMON&limit=300")
        page.fill("#train-name", f"page-vigenere-{time.strftime('%H%M%S')}")
        page.click("#train-go")
        page.wait_for_selector("#train-open", timeout=300_000)
        page.screenshot(path=out / "page-train.png", full_page=True)

        open_("#/bptt")
        page.wait_for_selector("#bptt-total-W_h")
        page.hover("#bptt-grads li.term[data-name='W_h'][data-t='2'][data-k='1']")
        page.screenshot(path=out / "page-bptt.png", full_page=True)

        open_("#/gradients?cell=rnn&hidden=64&init=scaled&steps=100&seeds=10")
        page.wait_for_selector("#grad-verdict:not(:empty)", timeout=60_000)
        page.screenshot(path=out / "page-gradients.png", full_page=True)
        browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, default=Path("runs"))
    ap.add_argument("--run", required=True, help="the decipherer shown on the Decipher page")
    ap.add_argument("--out", type=Path, default=Path("docs/figures"))
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    a = ap.parse_args()
    server = make_server("127.0.0.1", 0, a.runs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        shoot(f"http://127.0.0.1:{server.server_address[1]}/", a.run, a.out, a.chromium)
    finally:
        server.shutdown()
        server.server_close()
    for name in ("decipher", "crack", "train", "bptt", "gradients"):
        print(a.out / f"page-{name}.png")


if __name__ == "__main__":
    main()
