"""Passkeys in Chromium (issue 17): a virtual authenticator (the DevTools protocol's
WebAuthn domain, through Playwright's CDP session) is the security key kept at the cart.

The armorer enrols Rosa's key at the cart with Rosa present and typing her PIN; at the
handoff, Rosa confirms with that key instead of a PIN, Dana with her PIN; the entry then
carries Rosa's signature, and the passkeys page lists the key. WebAuthn needs a secure
context and a host name for its relying party id: the pages are opened on localhost.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from tests.conftest import Server
from tests.e2e.ui import PHONE, PINS, done_message, p, signed_in


def _virtual_key(page: Any) -> Any:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp


def test_a_performer_enrols_a_passkey_on_her_own_phone(browser: Any, module_server: Server) -> None:
    url = module_server.url.replace("127.0.0.1", "localhost")
    page = signed_in(browser, url, "jack", viewport=PHONE)
    try:
        _virtual_key(page)
        page.click("#nav-passkeys")
        page.wait_for_selector("#my-passkeys-none")
        page.fill("#enrol-label", "Jack's phone")
        page.click("#enrol-button")
        page.wait_for_selector("#my-passkeys >> text=Jack's phone")
        assert "enrolled" in page.inner_text("#my-passkeys")
        assert "by Jack Hale" in page.inner_text("#my-passkeys")
        assert not page.locator("#enrol-other-form").count()  # only an armorer enrols others
    finally:
        page.context.close()


def test_a_passkey_enrolled_at_the_cart_confirms_a_handoff(
    browser: Any, module_server: Server
) -> None:
    url = module_server.url.replace("127.0.0.1", "localhost")
    page = signed_in(browser, url, "mara")
    try:
        _virtual_key(page)
        # Rosa at the cart: her key is enrolled by the armorer, Rosa typing her own PIN
        page.goto(p(url, "/passkeys"))
        page.select_option("#enrol-other-person", "rosa-lind")
        page.fill("#enrol-other-label", "cart key 1")
        page.fill("#enrol-other-pin", PINS["rosa"])
        page.click("#enrol-other-form button[type=submit]")
        page.wait_for_selector("#enrol-other-status.good >> text=Passkey enrolled for Rosa Lind")
        page.wait_for_selector("#all-passkeys >> text=cart key 1")
        assert "Mara Voss" in page.inner_text("#all-passkeys")

        # W-0002 out and inspected
        page.goto(p(url, "/w/W-0002"))
        page.click("text=Take out of storage")
        assert "Taken out" in done_message(page)
        page.click("a:has-text('Inspect')")
        for box in page.locator("input[name=step]").all():
            box.check()
        for i in range(6):
            page.click(f"label[for=pos-{i}-empty]")
        page.click("label[for=bore-clear]")
        page.click("#inspect-form button[type=submit]")
        assert "Inspection recorded" in done_message(page)

        # the handoff: Rosa signs with her key, Dana types her PIN
        page.click("a:has-text('Hand to performer')")
        page.select_option("#ho-to", "rosa-lind")
        page.click("#handover-form button[type=submit]")
        page.wait_for_selector("#confirm-form")
        assert page.inner_text("#confirm-summary").startswith("Rosa Lind receives W-0002")
        page.check("#confirm-pledge-0")
        page.click("#passkey-confirm-0")
        page.wait_for_selector("#passkey-status-0.good >> text=Confirmed by Rosa Lind's passkey")
        assert page.locator("#confirm-pin-0").is_disabled()
        if page.locator("select#confirm-person-1").count():
            page.select_option("select#confirm-person-1", "dana-ortiz")
        # Dana has no passkey: the screen says so, and her PIN still works
        page.click("#passkey-confirm-1")
        page.wait_for_selector("#passkey-status-1.warn-box >> text=has no passkey enrolled")
        page.fill("#confirm-pin-1", PINS["dana"])
        page.click("#confirm-form button[type=submit]")
        assert "Handed over" in done_message(page)
        assert "Rosa Lind" in page.inner_text(".weapon-head")
    finally:
        page.context.close()

    # the handoff's ledger entry carries Rosa's signature, with the command it signed
    with sqlite3.connect(module_server.data / "coldcheck.sqlite3") as db:
        rows = db.execute("select entry from ledger_entries order by idx desc limit 3").fetchall()
    handed = next(json.loads(e) for (e,) in rows if b"WeaponHandedOver" in e)
    (sig,) = handed["signatures"]
    assert sig["person"] == "rosa-lind" and handed["witnesses"] == ["dana-ortiz", "rosa-lind"]
    fields = json.loads(sig["command_json"])["fields"]
    assert fields == {"to": "rosa-lind", "weapon": "W-0002", "context": None}  # no take named


def test_a_performer_confirms_a_handoff_on_her_own_phone(
    browser: Any, module_server: Server
) -> None:
    url = module_server.url.replace("127.0.0.1", "localhost")
    phone = signed_in(browser, url, "sam", viewport=PHONE)
    cart = signed_in(browser, url, "mara")
    try:
        _virtual_key(phone)
        phone.goto(p(url, "/passkeys"))
        phone.fill("#enrol-label", "Sam's phone")
        phone.click("#enrol-button")
        phone.wait_for_selector("#my-passkeys >> text=Sam's phone")

        # the cart: W-0004 (a semi-automatic pistol Sam is trained on) out and inspected
        cart.goto(p(url, "/w/W-0004"))
        cart.click("text=Take out of storage")
        assert "Taken out" in done_message(cart)
        cart.click("a:has-text('Inspect')")
        for box in cart.locator("input[name=step]").all():
            box.check()
        for label in cart.locator("label[for$=-empty]").all():
            label.click()
        cart.click("label[for=bore-clear]")
        cart.click("#inspect-form button[type=submit]")
        assert "Inspection recorded" in done_message(cart)
        cart.click("a:has-text('Hand to performer')")
        cart.select_option("#ho-to", "sam-kee")
        cart.click("#handover-form button[type=submit]")
        cart.wait_for_selector("#confirm-form")
        link = cart.get_attribute("#confirm-elsewhere a", "href")

        # Sam opens it on his own phone, reads it, and signs with his passkey
        phone.goto(url + link)
        assert phone.inner_text("#confirm-summary").startswith("Sam Kee receives W-0004")
        phone.click("#passkey-confirm-0")  # without the tick: refused by its script first
        phone.wait_for_selector("#passkey-status-0 >> text=Tick “I was shown every chamber")
        phone.check("#confirm-pledge-0")
        phone.click("#passkey-confirm-0")
        phone.wait_for_selector("#passkey-status-0.good >> text=Confirmed by Sam Kee's passkey")
        phone.reload()
        phone.wait_for_selector("#confirm-phone-signed")

        # back at the cart, only Dana types her PIN
        cart.check("#confirm-pledge-0")
        if cart.locator("select#confirm-person-1").count():
            cart.select_option("select#confirm-person-1", "dana-ortiz")
        cart.fill("#confirm-pin-1", PINS["dana"])
        cart.click("#confirm-form button[type=submit]")
        assert "Handed over" in done_message(cart)
        assert "Sam Kee" in cart.inner_text(".weapon-head")
    finally:
        phone.context.close()
        cart.context.close()
