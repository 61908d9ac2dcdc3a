import Foundation
import HTTPTypes
import LaurelCore
import LaurelService
import LaurelStore
import LaurelTesting
import Logging
import Testing

@testable import LaurelHTTP

/// The web pages as a browser meets them, without a browser: sign-in, the session cookie, the
/// pages a person may see and the ones refused, the language switch, signing out with the form
/// token (the end-to-end browser tests are scripts/browser-tests.py).
@Suite("Web pages")
struct PagesTests {
    @Test("both languages have every word, and the templates load from the build")
    func words() throws {
        #expect(Set(PageText.vietnamese.keys) == Set(PageText.english.keys))
        let pages = try LaurelAPI.pages.get()
        for template in ["signin", "campaigns", "campaign", "error", "header", "footer", "progress"] {
            #expect(pages.has(template), "\(template)")
        }
    }

    @Test(
        "a page without a session goes to sign-in and back; a link's code signs in once into an HttpOnly SameSite=Strict cookie; a bad code is said; signing out needs the form token"
    )
    func signIn() async throws {
        let harness = try await APIHarness()
        let link = try await harness.service.grantAccess(
            person: "p-admin-d1", role: .administrator, unit: "d1", council: nil, secret: .link, lifetime: nil,
            grantedBy: "test", now: harness.clock.now)
        try await harness.test { client in
            let away = try await client.send(.get, "/campaigns", as: nil)
            #expect(away.status == 303 && away.headers[.location] == "/signin?next=%2Fcampaigns")
            let form = try await client.send(.get, "/signin?next=%2Fcampaigns", as: nil)
            #expect(form.status == 200 && form.headers[.contentType] == "text/html; charset=utf-8")
            #expect(form.text.contains("<html lang=\"vi\">") && form.text.contains("Mã đăng nhập hoặc token"))
            #expect(form.text.contains("name=\"next\" value=\"/campaigns\""))

            let bad = try await client.send(
                .post, "/signin", as: nil, body: "code=nope&next=%2Fcampaigns",
                contentType: "application/x-www-form-urlencoded")
            #expect(bad.status == 401 && bad.text.contains("Mã hoặc token không hợp lệ"), "\(bad.text)")

            let signedIn = try await client.send(
                .post, "/signin", as: nil, body: "code=\(link.secret)&next=%2Fcampaigns",
                contentType: "application/x-www-form-urlencoded")
            #expect(signedIn.status == 303 && signedIn.headers[.location] == "/campaigns")
            let cookie = try #require(signedIn.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
            let token = try #require(cookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last)
            #expect(token.hasPrefix("laurel_t_"))
            let again = try await client.send(
                .post, "/signin", as: nil, body: "code=\(link.secret)", contentType: "application/x-www-form-urlencoded"
            )
            #expect(again.status == 401, "a link's code works once")

            let session: HTTPFields = [.cookie: "laurel_session=\(token)"]
            let list = try await client.send(.get, "/campaigns", as: nil, headers: session)
            #expect(list.status == 200 && list.text.contains("Quản trị quận Một · administrator"), "\(list.text)")
            let formToken = try #require(PageSession(token: String(token)).formToken)
            #expect(list.text.contains("name=\"csrf\" value=\"\(formToken)\""))

            let forged = try await client.send(
                .post, "/signout", as: nil, headers: session, body: "csrf=nope",
                contentType: "application/x-www-form-urlencoded")
            #expect(forged.status == 403 && forged.text.contains("tải lại trang"), "\(forged.text)")
            let out = try await client.send(
                .post, "/signout", as: nil, headers: session, body: "csrf=\(formToken)",
                contentType: "application/x-www-form-urlencoded")
            #expect(out.status == 303 && out.headers[.setCookie]?.contains("Max-Age=0") == true)

            let elsewhere = try await client.send(
                .post, "/signin", as: nil, body: "code=\(token)&next=%2F%2Fevil.example",
                contentType: "application/x-www-form-urlencoded")
            #expect(elsewhere.status == 303 && elsewhere.headers[.location] == "/campaigns", "never off the site")
        }
    }

    @Test(
        "the campaigns page lists what the person may see with a bar per phase target; a campaign page shows progress, timers, the forecast and the timeline; out of scope is a 403 page; English on request"
    )
    func campaignPages() async throws {
        let harness = try await APIHarness()
        let contest = try await harness.startContest()
        let version = try await TestWorkflows.record(TestWorkflows.quick, id: "quick", in: harness.store)
        let quick = try await harness.service.start(version: version, idempotencyKey: nil, now: harness.clock.now)
            .campaignID
        _ = try await harness.service.apply(.command("launch"), to: quick, eventID: "launch", now: harness.clock.now)
        _ = try await harness.service.apply(
            .submit(Entry(id: "i1", kind: "idea", fields: ["title": .text("Ý tưởng")])), to: quick, eventID: "i1",
            now: harness.clock.now + 60)
        try await harness.test { client in
            func page(_ path: String, as who: String) async throws -> APIHarness.Client.Answer {
                try await client.send(.get, path, as: nil, headers: [.cookie: "laurel_session=\(harness.tokens[who]!)"])
            }
            let list = try await page("/campaigns", as: "admin-d1")
            #expect(list.status == 200)
            #expect(
                list.text.contains("href=\"/campaigns/\(contest)\"")
                    && list.text.contains("href=\"/campaigns/\(quick)\""))
            #expect(list.text.contains("collecting: ideas") && list.text.contains("1 / 3 (33 %)"), "\(list.text)")
            #expect(list.text.contains("aria-valuenow=\"1.0\"") || list.text.contains("aria-valuenow=\"1\""))
            let other = try await page("/campaigns", as: "admin-d2")
            #expect(!other.text.contains("/campaigns/\(contest)"), "d2's administrator does not see d1's contest")

            let detail = try await page("/campaigns/\(quick)", as: "admin-d1")
            #expect(detail.status == 200, "\(detail.text)")
            #expect(detail.text.contains("Hẹn giờ sắp tới") && detail.text.contains("deadline"))
            #expect(detail.text.contains("Dự báo") && detail.text.contains("P50"))
            #expect(
                detail.text.contains("Diễn biến") && detail.text.contains("i1"), "the submission is on the timeline")
            let refused = try await page("/campaigns/\(contest)", as: "admin-d2")
            #expect(refused.status == 403 && refused.text.contains("Bạn không có quyền xem trang này"))
            let missing = try await page("/campaigns/nope", as: "admin-d1")
            #expect(missing.status == 404 && missing.text.contains("Không tìm thấy"))

            let english = try await page("/campaigns/\(quick)?lang=en", as: "admin-d1")
            #expect(english.text.contains("<html lang=\"en\">") && english.text.contains("Pending timers"))
            #expect(english.headers[.setCookie]?.contains("laurel_lang=en") == true)
        }
    }

    @Test(
        "the live feed tells a campaign's listeners of each commit, not other campaigns'; a reconnect after a missed commit hears of it at once"
    )
    func liveFeed() async throws {
        let harness = try await APIHarness()
        let contest = try await harness.startContest()
        let other = try await harness.startContest()
        let feed = LiveFeed(service: harness.service, logger: .init(label: "test"))
        let changes = try await feed.follow(contest, after: nil).changes
        _ = try await harness.service.apply(
            .command("close"), to: other, eventID: "close-other", now: harness.clock.now)
        _ = try await harness.service.apply(.command("close"), to: contest, eventID: "close", now: harness.clock.now)
        let logged = try #require(try await harness.service.recentHistory(of: contest, limit: 1).last)
        var iterator = changes.makeAsyncIterator()
        let heard = await iterator.next()
        #expect(heard == logged.sequence, "the contest's close, not the other campaign's")

        let resumed = try await feed.follow(contest, after: logged.sequence - 1).changes
        var again = resumed.makeAsyncIterator()
        #expect(await again.next() == logged.sequence, "a page that saw less hears at once")
    }
}
