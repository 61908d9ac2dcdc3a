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
        for template in [
            "signin", "campaigns", "campaign", "error", "header", "footer", "progress", "campaignnav", "messages",
            "entries", "council", "score", "ballot", "results", "certificates", "manage", "access",
        ] {
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
        "a campaign page lists every unit's progress in Vietnamese order, those without entries too, and draws the metric's growth day by day against its target"
    )
    func unitsAndChart() async throws {
        let harness = try await APIHarness()
        // The quick campaign's ideas with the unit they come from.
        let workflow = TestWorkflows.quick.replacingOccurrences(
            of: "title: { type: text, required: true }",
            with: "title: { type: text, required: true }\n      unit: { type: unit }")
        let version = try await TestWorkflows.record(workflow, id: "quick", in: harness.store)
        let quick = try await harness.service.start(version: version, idempotencyKey: nil, now: harness.clock.now)
            .campaignID
        _ = try await harness.service.apply(.command("launch"), to: quick, eventID: "launch", now: harness.clock.now)
        for (index, unit) in ["g2", "g1"].enumerated() {
            _ = try await harness.service.apply(
                .submit(Entry(id: "i\(index)", kind: "idea", unit: unit, fields: ["title": .text("Ý tưởng")])),
                to: quick, eventID: "i\(index)", now: harness.clock.now + Int64(index) * TestWorkflows.day + 60)
        }
        try await harness.test { client in
            let page = try await client.send(
                .get, "/campaigns/\(quick)", as: nil, headers: [.cookie: "laurel_session=\(harness.tokens["admin"]!)"])
            #expect(page.status == 200)
            let text = page.text
            let order = ["Cơ sở Ba", "Cơ sở Hai", "Cơ sở Một"].compactMap {
                text.range(of: "<td>\($0)</td>")?.lowerBound
            }
            #expect(order.count == 3 && order == order.sorted(), "Ba, Hai, Một: Vietnamese order, g3 with none")
            let points = try #require(
                text.range(of: #"class="series" points="[^"]*""#, options: .regularExpression).map { text[$0] })
            #expect(points.filter { $0 == "," }.count == 2, "a point for each of the two days: \(points)")
            #expect(text.contains("class=\"target\"") && text.contains("Chỉ tiêu: 3"))
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

    /// A signed-in page request as `who`: the session cookie, and the form token for posts.
    struct PageClient {
        let client: APIHarness.Client
        let token: String
        var formToken: String { PageSession(token: token).formToken! }

        func get(_ path: String) async throws -> APIHarness.Client.Answer {
            try await client.send(.get, path, as: nil, headers: [.cookie: "laurel_session=\(token)"])
        }

        /// Posts a form; `fields` gets the form token unless it names its own.
        func post(_ path: String, _ fields: [(String, String)]) async throws -> APIHarness.Client.Answer {
            var all = fields
            if !fields.contains(where: { $0.0 == "csrf" }) { all.append(("csrf", formToken)) }
            let body = all.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
                .joined(separator: "&")
            return try await client.send(
                .post, path, as: nil, headers: [.cookie: "laurel_session=\(token)"], body: body,
                contentType: "application/x-www-form-urlencoded")
        }
    }

    @Test("a multipart upload's fields and file are read; a body that is not made of parts is refused")
    func multipart() throws {
        let body = Array(
            ("--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n"
                + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ý kiến.csv\"\r\n"
                + "Content-Type: text/csv\r\n\r\nid,title\r\na,Một\r\n\r\n--XyZ--\r\n").utf8)
        #expect(PageForm.boundary("multipart/form-data; boundary=\"XyZ\"") == "XyZ")
        let form = try #require(PageForm.multipart(body, boundary: "XyZ"))
        #expect(form["csrf"] == "abc")
        #expect(form.files["file"]?.name == "ý kiến.csv")
        #expect(form.files["file"].map { String(decoding: $0.bytes, as: UTF8.self) } == "id,title\r\na,Một\r\n")
        #expect(PageForm.multipart(Array("no parts here".utf8), boundary: "XyZ") == nil)
        #expect(PageForm.multipart(Array("--XyZ\r\nno headers end".utf8), boundary: "XyZ") == nil)
        #expect(PageForm.boundary("multipart/form-data") == nil)
    }

    @Test(
        "a unit officer's entry form names each wrong field and keeps what was typed; a form sent twice submits once; a form without the form token changes nothing; a CSV upload lists every bad row and imports none"
    )
    func entryForms() async throws {
        let harness = try await APIHarness()
        let contest = try await harness.startContest()
        try await harness.test { client in
            let officer = PageClient(client: client, token: harness.tokens["officer-g1"]!)
            let page = try await officer.get("/campaigns/\(contest)/entries")
            #expect(page.status == 200, "\(page.text)")
            #expect(page.text.contains("name=\"f.title\"") && page.text.contains("<option value=\"g1\" selected>"))
            let nonce = try #require(
                page.text.range(of: #"name="nonce" value="([0-9a-f]{32})""#, options: .regularExpression).map {
                    String(page.text[$0].dropFirst(#"name="nonce" value=""#.count).prefix(32))
                })

            let forged = try await officer.post(
                "/campaigns/\(contest)/entries",
                [("csrf", "nope"), ("nonce", nonce), ("kind", "clip"), ("f.title", "A"), ("f.unit", "g1")])
            #expect(forged.status == 403)
            let elsewhere = try await officer.post(
                "/campaigns/\(contest)/entries",
                [("nonce", nonce), ("kind", "clip"), ("f.title", "A"), ("f.unit", "g2")])
            #expect(elsewhere.status == 403 && elsewhere.text.contains("outside your access"), "\(elsewhere.text)")
            #expect(elsewhere.text.contains("value=\"A\""), "what was typed is kept")

            let fields = [("nonce", nonce), ("kind", "clip"), ("f.title", "Clip một"), ("f.unit", "g1")]
            let sent = try await officer.post("/campaigns/\(contest)/entries", fields)
            #expect(sent.status == 303 && sent.headers[.location]?.contains("submitted=clip-") == true)
            let twice = try await officer.post("/campaigns/\(contest)/entries", fields)
            #expect(twice.status == 303, "a form sent again is answered as the first")
            #expect(try await harness.service.campaignAndEngine(contest, withEntries: true).0.entries.count == 1)
            let after = try await officer.get(sent.headers[.location]!)
            #expect(after.text.contains("Đã gửi bài clip-") && after.text.contains("title: Clip một"))

            let csv = "id,title,unit\r\nc1,Một,g1\r\nc2,,g1\r\nc3,Ba,g2\r\n"
            let body =
                "--b0\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(officer.formToken)\r\n"
                + "--b0\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nclip\r\n"
                + "--b0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"clips.csv\"\r\n\r\n\(csv)\r\n--b0--\r\n"
            let upload = try await client.send(
                .post, "/campaigns/\(contest)/entries/import", as: nil,
                headers: [.cookie: "laurel_session=\(officer.token)"], body: body,
                contentType: "multipart/form-data; boundary=b0")
            #expect(upload.status == 403, "\(upload.text)")
            #expect(upload.text.contains("2 rows refused") && upload.text.contains("nothing of clips.csv was imported"))
            #expect(upload.text.contains("clips.csv:3:") && upload.text.contains("clips.csv:4:"), "\(upload.text)")
            #expect(try await harness.service.campaignAndEngine(contest, withEntries: true).0.entries.count == 1)
        }
    }

    @Test(
        "a juror's score sheet shows the rubric without their own unit's entries and is sent whole; a board member's secret paper, once cast, shows nothing of how they voted"
    )
    func councilForms() async throws {
        let harness = try await APIHarness()
        let id = try await CouncilTests.judging(harness)
        try await harness.test { client in
            let juror = PageClient(client: client, token: harness.tokens["juror-g1"]!)
            let sheet = try await juror.get("/campaigns/\(id)/council")
            #expect(sheet.status == 200, "\(sheet.text)")
            #expect(sheet.text.contains("quality") && sheet.text.contains("Đã chấm 0 / 1 bài"))
            #expect(sheet.text.contains("name=\"e.0\" value=\"e2\"") && !sheet.text.contains("value=\"e1\""))
            let nonce = try #require(
                sheet.text.range(of: #"name="nonce" value="([0-9a-f]{32})""#, options: .regularExpression).map {
                    String(sheet.text[$0].dropFirst(#"name="nonce" value=""#.count).prefix(32))
                })
            let blank = try await juror.post("/campaigns/\(id)/council/scores", [("nonce", nonce), ("e.0", "e2")])
            #expect(blank.status == 422 && blank.text.contains("Mới chấm 0 / 1 bài"))
            let high = try await juror.post(
                "/campaigns/\(id)/council/scores", [("nonce", nonce), ("e.0", "e2"), ("s.0.0", "12")])
            #expect(high.status == 422 && high.text.contains("Điểm từ 0 đến 10") && high.text.contains("value=\"12\""))
            let sent = try await juror.post(
                "/campaigns/\(id)/council/scores", [("nonce", nonce), ("e.0", "e2"), ("s.0.0", "7,5")])
            #expect(sent.status == 303, "\(sent.text)")
            let again = try await juror.get("/campaigns/\(id)/council?sent=1")
            #expect(again.text.contains("Đã gửi phiếu chấm") && again.text.contains("value=\"7.5\""))

            _ = try await client.send(
                .post, "/api/campaigns/\(id)/scores", as: "juror-a",
                json: #"{"lines": [{"entry": "e1", "values": [8]}, {"entry": "e2", "values": [6]}]}"#)
            // The review has its quorum when its window closes (the daemon's work): the ballot opens.
            harness.clock.advance(by: 11 * TestWorkflows.day)
            _ = try await harness.service.fireDue(at: harness.clock.now, after: nil, limit: 10)
            let board = PageClient(client: client, token: harness.tokens["board"]!)
            let paper = try await board.get("/campaigns/\(id)/council")
            #expect(paper.status == 200 && paper.text.contains("Bỏ phiếu kín"), "\(paper.text)")
            let ballotNonce = try #require(
                paper.text.range(of: #"name="nonce" value="([0-9a-f]{32})""#, options: .regularExpression).map {
                    String(paper.text[$0].dropFirst(#"name="nonce" value=""#.count).prefix(32))
                })
            let cast = try await board.post(
                "/campaigns/\(id)/council/ballot",
                [("nonce", ballotNonce), ("n.0", "e1"), ("v.0", "for"), ("n.1", "e2"), ("v.1", "against")])
            #expect(cast.status == 303, "\(cast.text)")
            let afterwards = try await board.get("/campaigns/\(id)/council")
            #expect(afterwards.text.contains("Phiếu của bạn đã được ghi nhận"))
            #expect(!afterwards.text.contains("radio") && !afterwards.text.contains("Đồng ý"))
            let logged = try await harness.service.events(campaignID: id).last { $0.kind == "vote" }
            #expect(logged.map { "\($0.action)" }?.contains("approve: true") == false, "the log keeps no choice")
        }
    }
}
