"""Make docs/img/admin-page.png, the admin page as docs/senders.md shows it.

    .venv/bin/python -m tests.browser.docs_screenshot [OUT.png]

Starts a mock on a free port with an in-memory journal, sends it a few notifications (accepted,
rejected, simulated), opens a rejected one in headless Chromium and saves the tab.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import httpx

from mock_server.app import create_app
from mock_server.settings import MEMORY, Settings
from sms_hook.delivery import encode, signed_request
from tests.browser.layout import set_width
from tests.support.browser import browser
from tests.support.server import serve

SECRET = "12345ABCDE"


def main(out: Path) -> None:
    built = create_app(Settings(journal=MEMORY))
    contract = built.contract
    with serve(built.app, ready_path="/__admin/health", timeout_graceful_shutdown=1) as base:

        def send(type_name: str, headers: dict[str, str] | None = None, **data: object) -> None:
            notification = contract.example(type_name)
            notification["data"].update(data)
            request = signed_request(encode(contract, notification), SECRET)
            httpx.post(
                base + contract.path,
                content=request.body,
                headers={**request.headers, **(headers or {})},
                timeout=10,
            )

        send("otp")
        send("ticket_status", status="resulted", result="won")
        send("bet_result", event_id=True)
        send("otp", {"prefer": "code=503"})
        send("bet_result", result="won", bet_id=12)
        send("ticket_status", ticket_id="6549197db70d9c7f28c2a57f", status="Resulted")
        with browser() as page:
            set_width(page, 1200, 760)
            page.navigate(base + "/__admin/#3")
            page.wait_for("!document.getElementById('detail').hidden")
            page.wait_for("document.getElementById('detail-curl').textContent.startsWith('curl')")
            shot = page.call(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "clip": {"x": 0, "y": 0, "width": 1200, "height": 760, "scale": 0.8},
                },
            )
            page.navigate("about:blank")
    out.write_bytes(base64.b64decode(shot["data"]))
    print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img/admin-page.png"))
