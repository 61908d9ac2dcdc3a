"""The web pages in a real browser (Debian's chromium, driven by Playwright for Python), against
a real `laurel serve --http` that scripts/browser-tests.sh starts. Each test prints one line;
screenshots of the main pages at phone and desktop width go to SCREENSHOTS for people to look at.

Environment: LAUREL_BASE (the server); sign-in codes, each used once: LAUREL_ADMIN_CODE,
LAUREL_WATCHER_CODE, LAUREL_RESULTS_CODE (administrators), LAUREL_OFFICER_CODE, LAUREL_ENTRIES_CODE
(a unit officer of cd-my-dinh-1), LAUREL_DUNG_CODE, LAUREL_HA_CODE (the jury and board members);
campaign ids: LAUREL_DISTRICT and LAUREL_OTHER (one the officer's unit is under, one it is not),
LAUREL_AWARDS (taking entries, then reviewed by the jury), LAUREL_BALLOT (a secret ballot open);
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
AWARDS = os.environ["LAUREL_AWARDS"]
BALLOT = os.environ["LAUREL_BALLOT"]
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
    expect(page.get_by_role("link", name="Sáng kiến của quận", exact=True)).to_have_count(1)
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


def test_unit_officer_submits_an_entry_and_a_csv(browser, state):
    """The entry form is typed from the workflow and checked as the CLI checks; a CSV with bad rows
    lists each with its line and imports nothing."""
    context, page = sign_in(browser, "LAUREL_ENTRIES_CODE", width=360)
    page.goto(f"{BASE}/campaigns/{AWARDS}/entries")
    expect(page.get_by_role("heading", name="Gửi một bài · initiative")).to_be_visible()
    expect(page.get_by_label("unit")).to_have_value("cd-my-dinh-1")
    page.get_by_label("title").fill("Sáng kiến tiết kiệm điện")
    page.get_by_label("savings-vnd").fill("mười triệu")
    page.get_by_role("button", name="Gửi bài").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was submitted")
    expect(page.locator("#e-savings-vnd")).to_contain_text("whole number")
    expect(page.get_by_label("title")).to_have_value("Sáng kiến tiết kiệm điện")
    no_serious_violations(page, "entry form with an error")
    shoot(page, "entry-error")
    page.get_by_label("savings-vnd").fill("12000000")
    page.get_by_role("button", name="Gửi bài").click()
    expect(page.get_by_role("status")).to_contain_text("Đã gửi bài initiative-")
    expect(page.get_by_role("cell", name="savings-vnd: 12000000", exact=False)).to_be_visible()
    csv = os.path.join(SCREENSHOTS, "..", "entries-with-bad-rows.csv")
    with open(csv, "w", encoding="utf-8") as file:
        file.write("id,unit,title,savings-vnd\n"
                   "csv-1,cd-my-dinh-1,Sáng kiến một,100\n"
                   "csv-2,cd-my-dinh-1,Sáng kiến hai,nhiều\n"
                   "csv-3,cd-dai-mo,Sáng kiến của đơn vị khác,5\n")
    page.get_by_label("Tệp CSV", exact=True).set_input_files(csv)
    page.get_by_role("button", name="Tải lên").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("nothing of entries-with-bad-rows.csv was imported")
    expect(alert).to_contain_text("entries-with-bad-rows.csv:3:")
    expect(alert).to_contain_text("entries-with-bad-rows.csv:4:")
    expect(page.get_by_role("heading", name="Bài đã gửi (1 bài)")).to_be_visible()
    no_serious_violations(page, "CSV upload with bad rows")
    shoot(page, "entries-csv-refused")
    with open(csv, "w", encoding="utf-8") as file:
        file.write("id,unit,title,savings-vnd\ncsv-1,cd-my-dinh-1,Sáng kiến một,100\n"
                   "csv-2,cd-my-dinh-1,Sáng kiến hai,200\n")
    page.get_by_label("Tệp CSV", exact=True).set_input_files(csv)
    page.get_by_role("button", name="Tải lên").click()
    expect(page.get_by_role("status")).to_contain_text("Đã nhập 2 bài")
    expect(page.get_by_role("heading", name="Bài đã gửi (3 bài)")).to_be_visible()
    context.close()


def test_administrator_closes_the_entries(browser, state):
    page = state["admin"].new_page()
    page.goto(f"{BASE}/campaigns/{AWARDS}/manage")
    expect(page.get_by_role("heading", name="Chuyển phiên bản quy trình")).to_be_visible()
    page.get_by_role("button", name="Chạy thử").click()
    expect(page.get_by_role("heading", name="Kết quả chạy thử (chưa ghi gì)")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("collecting")
    no_serious_violations(page, "manage with a dry run")
    shoot(page, "manage")
    page.get_by_role("button", name="Gửi close-entries").click()
    expect(page.get_by_role("status")).to_contain_text("Đã gửi sự kiện close-entries")
    expect(page.locator(".meta .state")).to_have_text("review")
    page.close()


def test_council_member_scores_and_the_leaderboard_updates(browser, state):
    """A juror's sheet: the rubric, their own unit's entry left out, '1 of 5 scored' kept across a
    reload; when the second juror's sheet completes the review, an open results page shows the
    leaderboard without a reload."""
    watcher, results = sign_in(browser, "LAUREL_RESULTS_CODE")
    results.goto(f"{BASE}/campaigns/{AWARDS}/results")
    expect(results.get_by_text("Chưa có kết quả.")).to_be_visible()
    results.evaluate("window.notReloaded = true")

    context, page = sign_in(browser, "LAUREL_DUNG_CODE", width=360)
    page.goto(f"{BASE}/campaigns/{AWARDS}/council")
    expect(page.get_by_role("heading", name="Tiêu chí chấm")).to_be_visible()
    expect(page.get_by_role("cell", name="novelty")).to_be_visible()
    expect(page.get_by_text("1 bài của chính đơn vị bạn đã được để riêng")).to_be_visible()
    expect(page.locator("#scored-count")).to_have_text("Đã chấm 0 / 5 bài")
    sheet = page.locator("form.sheet input[type=number]")
    assert sheet.count() == 10, sheet.count()
    sheet.nth(0).fill("8")
    sheet.nth(1).fill("9")
    expect(page.locator("#scored-count")).to_have_text("Đã chấm 1 / 5 bài")
    page.reload()
    expect(sheet.nth(0)).to_have_value("8")
    expect(page.locator("#scored-count")).to_have_text("Đã chấm 1 / 5 bài")
    no_serious_violations(page, "score sheet")
    shoot(page, "score-sheet")
    page.get_by_role("button", name="Gửi phiếu chấm").click()
    expect(page.get_by_role("alert")).to_contain_text("Mới chấm 1 / 5 bài")
    expect(sheet.nth(0)).to_have_value("8")
    for index in range(10):
        sheet.nth(index).fill(str(5 + index % 5))
    sheet.nth(3).fill("11")
    page.get_by_role("button", name="Gửi phiếu chấm").click()
    expect(page.get_by_role("alert")).to_contain_text("1 ô điểm chưa đúng")
    expect(page.locator("#s\\.1\\.1-error")).to_contain_text("Điểm từ 0 đến 10")
    sheet.nth(3).fill("7")
    page.get_by_role("button", name="Gửi phiếu chấm").click()
    expect(page.get_by_role("status")).to_contain_text("Đã gửi phiếu chấm")
    context.close()

    context, page = sign_in(browser, "LAUREL_HA_CODE")
    page.goto(f"{BASE}/campaigns/{AWARDS}/council")
    sheet = page.locator("form.sheet input[type=number]")
    for index in range(sheet.count()):
        sheet.nth(index).fill(str(6 + index % 4))
    page.get_by_role("button", name="Gửi phiếu chấm").click()
    expect(results.locator("table.leaderboard tbody tr")).to_have_count(6, timeout=1000)
    assert results.evaluate("window.notReloaded === true"), "the results page was reloaded"
    expect(results.get_by_role("heading", name="Giải thưởng")).to_be_visible()
    no_serious_violations(results, "results")
    shoot(results, "results")
    state["juror_ha"] = context
    watcher.close()


def test_certificates_print_one_per_page(browser, state):
    page = state["admin"].new_page()
    page.goto(f"{BASE}/campaigns/{AWARDS}/results")
    page.get_by_role("link", name="In tất cả giấy khen").click()
    expect(page.locator("article.certificate")).to_have_count(3)
    expect(page.locator("article.certificate h2").first).to_have_text("GIẤY KHEN")
    no_serious_violations(page, "certificates")
    shoot(page, "certificates")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("button", name="In")).to_be_hidden()
    page.pdf(path=os.path.join(SCREENSHOTS, "certificates.pdf"))
    page.close()


def test_secret_ballot_shows_nothing_afterwards(browser, state):
    page = state["juror_ha"].new_page()
    page.goto(f"{BASE}/campaigns/{BALLOT}/council")
    expect(page.get_by_text("Bỏ phiếu kín")).to_be_visible()
    expect(page.locator("fieldset.line")).to_have_count(3)
    no_serious_violations(page, "ballot paper")
    shoot(page, "ballot")
    page.locator("input[name='v.0'][value=for]").check()
    page.locator("input[name='v.1'][value=against]").check()
    page.get_by_role("button", name="Bỏ phiếu").click()
    expect(page.get_by_role("status")).to_have_text("Phiếu của bạn đã được ghi nhận.")
    for view in (page.content(), page.goto(f"{BASE}/campaigns/{BALLOT}/council").text()):
        assert "radio" not in view and "Đồng ý" not in view and "Không đồng ý" not in view, "the paper shows"
    page.goto(f"{BASE}/campaigns/{BALLOT}")
    timeline = page.locator(".timeline").inner_text()
    assert "for" not in timeline.split() and "against" not in timeline.split(), timeline
    shoot(page, "ballot-cast")
    page.close()


def main():
    os.makedirs(SCREENSHOTS, exist_ok=True)
    tests = [test_sign_in_page, test_administrator_sees_campaigns_progress_and_forecast,
             test_open_page_updates_without_reload, test_unit_officer_out_of_scope_is_refused,
             test_unit_officer_submits_an_entry_and_a_csv, test_administrator_closes_the_entries,
             test_council_member_scores_and_the_leaderboard_updates, test_certificates_print_one_per_page,
             test_secret_ballot_shows_nothing_afterwards]
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
