"""The web pages in a real browser (Debian's chromium, driven by Playwright for Python), against
a real `laurel serve --http` that scripts/browser-tests.sh starts. Each test prints one line;
screenshots of the main pages at phone and desktop width go to SCREENSHOTS for people to look at.

Environment: LAUREL_BASE (the server), LAUREL_ADMIN_CODE, LAUREL_OFFICER_CODE (sign-in codes),
LAUREL_DISTRICT and LAUREL_OTHER (campaign ids: one the officer's unit is under, one it is not),
SCREENSHOTS (a folder)."""
import os
import sys
import traceback

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright

BASE = os.environ["LAUREL_BASE"]
SCREENSHOTS = os.environ["SCREENSHOTS"]
DISTRICT = os.environ["LAUREL_DISTRICT"]
OTHER = os.environ["LAUREL_OTHER"]
WIDTHS = {"phone": 360, "desktop": 1280}


def sign_in(browser, code_variable, width=1280):
    """A new browser context signed in with the code in `code_variable` (used once)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{BASE}/signin?code={os.environ[code_variable]}&next=/campaigns")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{BASE}/campaigns")
    return context, page


def shoot(page, name):
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def no_serious_violations(page, what):
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{what}: " + "; ".join(f"{v['id']}: {v['help']}" for v in serious)


def test_sign_in_page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{BASE}/campaigns")
    expect(page).to_have_url(f"{BASE}/signin?next=%2Fcampaigns")
    expect(page.get_by_label("Mã đăng nhập hoặc token")).to_be_visible()
    page.get_by_label("Mã đăng nhập hoặc token").fill("laurel_l_not-a-code")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_contain_text("không hợp lệ")
    no_serious_violations(page, "sign-in")
    shoot(page, "signin")
    context.close()


def test_administrator_sees_campaigns_progress_and_forecast(browser, state):
    context, page = sign_in(browser, "LAUREL_ADMIN_CODE")
    state["admin"] = context
    expect(page.get_by_role("heading", name="Phong trào")).to_be_visible()
    expect(page.get_by_role("link", name="Sáng kiến của quận").first).to_be_visible()
    expect(page.get_by_role("progressbar").first).to_be_visible()
    no_serious_violations(page, "campaigns")
    shoot(page, "campaigns")
    page.goto(f"{BASE}/campaigns/{DISTRICT}")
    expect(page.get_by_role("heading", name="Tiến độ")).to_be_visible()
    expect(page.get_by_role("heading", name="Hẹn giờ sắp tới")).to_be_visible()
    expect(page.get_by_text("deadline")).to_be_visible()
    expect(page.get_by_role("heading", name="Dự báo")).to_be_visible()
    expect(page.get_by_role("cell", name="phase-1")).to_be_visible()
    no_serious_violations(page, "campaign")
    shoot(page, "campaign")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Pending timers")).to_be_visible()
    page.get_by_role("link", name="Tiếng Việt").click()
    expect(page.get_by_role("heading", name="Hẹn giờ sắp tới")).to_be_visible()


def test_open_page_updates_without_reload(browser, state):
    """A second browser watches the campaign page; an entry submitted meanwhile shows within a second."""
    context, page = sign_in(browser, "LAUREL_WATCHER_CODE")
    page.goto(f"{BASE}/campaigns/{DISTRICT}")
    progress = page.locator(".goal-label").first
    before = progress.inner_text()
    page.evaluate("window.notReloaded = true")
    token = next(c["value"] for c in context.cookies() if c["name"] == "laurel_session")
    answer = page.request.post(
        f"{BASE}/api/campaigns/{DISTRICT}/entries",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "browser-live-1"},
        data={"id": "live-1", "kind": "initiative", "fields": {"title": "Sáng kiến mới", "unit": "cd-dai-mo"}})
    assert answer.status == 201, answer.text()
    expect(progress).not_to_have_text(before, timeout=1000)
    assert page.evaluate("window.notReloaded === true"), "the page was reloaded"
    expect(page.locator(".timeline li").first).to_contain_text("live-1")
    context.close()


def test_unit_officer_out_of_scope_is_refused(browser, state):
    context, page = sign_in(browser, "LAUREL_OFFICER_CODE", width=360)
    expect(page.get_by_role("link", name="Sáng kiến của quận")).to_have_count(1)
    response = page.goto(f"{BASE}/campaigns/{OTHER}")
    assert response.status == 403, response.status
    expect(page.get_by_role("heading", name="Bạn không có quyền xem trang này")).to_be_visible()
    shoot(page, "refused")
    page.goto(f"{BASE}/campaigns")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("alert")).to_contain_text("Bạn đã đăng xuất")
    page.goto(f"{BASE}/campaigns/{DISTRICT}")
    expect(page).to_have_url(f"{BASE}/signin?next=%2Fcampaigns%2F{DISTRICT}")
    context.close()


def main():
    os.makedirs(SCREENSHOTS, exist_ok=True)
    tests = [test_sign_in_page, test_administrator_sees_campaigns_progress_and_forecast,
             test_open_page_updates_without_reload, test_unit_officer_out_of_scope_is_refused]
    failed = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        state = {}
        for test in tests:
            try:
                test(browser, state) if test.__code__.co_argcount == 2 else test(browser)
                print(f"passed  {test.__name__}")
            except Exception:
                failed += 1
                print(f"FAILED  {test.__name__}")
                traceback.print_exc()
        browser.close()
    print(f"browser tests: {len(tests) - failed} passed, {failed} failed; screenshots in {SCREENSHOTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
