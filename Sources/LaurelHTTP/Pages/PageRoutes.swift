import Foundation
import HTTPTypes
import Hummingbird
import LaurelCore
import LaurelService
import Mustache

/// What a page request carries besides the principal: its language, and for a signed-in person
/// the session's token (the cookie) and the form token derived from it.
struct PageSession: Sendable {
    var language: PageText.Language = .vi
    var token: String?
    /// The signed-in person's name from the organisation data (their id when it has none).
    var personName: String?

    /// The token every form of the session carries back (a CSRF token): derived from the
    /// session's secret, so it needs no storage and changes with each sign-in.
    var formToken: String? { token.map { String(SHA256.hex(Array("laurel-form:\($0)".utf8)).prefix(32)) } }
}

/// The web pages: mustache templates shipped as resources, rendered on the server, one style
/// sheet, forms that work without JavaScript (docs/pages.md).
struct Pages: Sendable {
    let library: MustacheLibrary
    /// The style sheet and scripts served under /static/, by file name.
    let staticFiles: [String: String]

    static let sessionCookie = "laurel_session"
    static let languageCookie = "laurel_lang"

    /// The templates and the style sheet from the build's resources; a build without them stops
    /// the server at its start, naming what is missing.
    static func load() throws -> Pages {
        guard let folder = Bundle.module.url(forResource: "pages", withExtension: nil) else {
            throw LaurelError(.internal, "the web pages' templates are missing from this build (Resources/pages)")
        }
        var library = MustacheLibrary()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        for file in files where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            do {
                try library.register(text, named: String(file.dropLast(".mustache".count)))
            } catch {
                throw LaurelError(.internal, "the page template \(file) does not parse: \(error)")
            }
        }
        var staticFiles: [String: String] = [:]
        for file in files where file.hasSuffix(".css") || file.hasSuffix(".js") {
            staticFiles[file] = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        }
        return Pages(library: library, staticFiles: staticFiles)
    }

    func has(_ template: String) -> Bool { library.getTemplate(named: template) != nil }

    /// The page `template` with `values`, and what every page shows: the language, its words,
    /// the person signed in and the form token.
    func render(
        _ template: String, title: String, _ values: [String: Any], session: PageSession, principal: Principal?,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var context = values
        context["pageTitle"] = title
        if context["title"] == nil { context["title"] = title }
        context["language"] = session.language.rawValue
        context["otherLanguage"] = session.language.other.rawValue
        var words = PageText.table(session.language)
        words["otherLanguageName"] = PageText.table(session.language.other)["otherLanguageName"]
        context["t"] = words
        if let principal {
            context["person"] = session.personName ?? principal.person
            context["role"] = principal.role.rawValue
            context["csrf"] = session.formToken
            context["isAdmin"] = principal.role == .administrator
        }
        let html = library.render(context, withTemplate: template) ?? ""
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// The language of a page: `?lang=` (remembered in a cookie), else the cookie, else Vietnamese.
struct PageLanguageMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        let asked = request.uri.queryParameters.get("lang").flatMap(PageText.Language.init(rawValue:))
        context.page.language =
            asked ?? request.cookies[Pages.languageCookie].flatMap { PageText.Language(rawValue: $0.value) } ?? .vi
        var response = try await next(request, context)
        if let asked {
            response.setCookie(
                Cookie(
                    name: Pages.languageCookie, value: asked.rawValue, maxAge: 365 * 86_400, path: "/",
                    sameSite: .strict))
        }
        return response
    }
}

/// A page for people signed in: the session cookie's token is looked up on every request (a
/// revocation counts from the next page); without one, the sign-in page, then back here. An
/// error is an HTML page in the person's language, never a problem document.
struct PageSessionMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let service: CampaignService
    let clock: @Sendable () -> Instant
    let pages: Pages

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        let signIn = Response.redirect(
            to: "/signin?next=\(request.uri.path.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? "")")
        guard let token = request.cookies[Pages.sessionCookie]?.value, !token.isEmpty, token.count <= 200 else {
            return signIn
        }
        let principal: Principal
        do {
            principal = try await service.authenticate(token: token, now: clock())
        } catch let error as LaurelError where error.code == .unauthenticated {
            return signIn
        } catch {
            // The store could not be read: said as such, not as a session that ended.
            return errorPage(error, session: context.page, principal: nil)
        }
        context.principal = principal
        context.page.token = token
        context.page.personName = try? await service.organisationInUse().people.first { $0.id == principal.person }?
            .name
        let pageContext = context
        do {
            return try await AuditActor.$current.withValue(context.auditActor) { try await next(request, pageContext) }
        } catch {
            return errorPage(error, session: context.page, principal: principal)
        }
    }

    /// What a query value may hold unescaped (RFC 3986's unreserved characters).
    static let unreserved = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    func errorPage(_ error: any Error, session: PageSession, principal: Principal?) -> Response {
        let words = PageText.table(session.language)
        var status = HTTPResponse.Status.internalServerError
        // Laurel's own message says what is wrong; anything else is not shown (it may name internals).
        var message = words["error"]!
        if let laurel = error as? LaurelError {
            status = Problem.status(of: laurel.code)
            message = laurel.message
        } else if let problem = error as? Problem {
            status = HTTPResponse.Status(code: problem.status)
            message = problem.detail
        }
        let heading =
            switch status.code {
            case 403: words["forbidden"]!
            case 404: words["notFound"]!
            case 409: words["refused"]!
            case 503: words["unavailable"]!
            default: words["error"]!
            }
        return pages.render(
            "error", title: heading, ["heading": heading, "message": message], session: session, principal: principal,
            status: status)
    }
}

extension LaurelAPI {
    func addPageRoutes(to router: Router<APIContext>, pages: Pages) {
        for (file, text) in pages.staticFiles {
            let type = file.hasSuffix(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8"
            router.get("static/\(file)") { _, _ in
                var headers = HTTPFields()
                headers[.contentType] = type
                headers[.cacheControl] = "public, max-age=3600"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        }
        let open = router.group().add(middleware: PageLanguageMiddleware())
        open.get("/") { _, _ in Response.redirect(to: "/campaigns") }
        open.get("signin") { request, context in
            let query = request.uri.queryParameters
            var values: [String: Any] = ["next": Self.safeNext(query.get("next"))]
            if let code = query.get("code") { values["code"] = code }
            if query.get("signed-out") != nil { values["message"] = PageText.table(context.page.language)["signedOut"] }
            return pages.render(
                "signin", title: PageText.table(context.page.language)["signIn"]!, values, session: context.page,
                principal: nil)
        }
        open.post("signin") { request, context in try await pageSignIn(request, context, pages: pages) }

        let signedIn = router.group().add(middleware: PageLanguageMiddleware())
            .add(middleware: PageSessionMiddleware(service: service, clock: clock, pages: pages))
        signedIn.post("signout") { request, context in
            _ = try await PageForm.read(request, session: context.page)
            var response = Response.redirect(to: "/signin?signed-out=1")
            response.setCookie(Cookie(name: Pages.sessionCookie, value: "", maxAge: 0, path: "/", sameSite: .strict))
            return response
        }
        signedIn.get("campaigns") { _, context in try await campaignsPage(context, pages: pages) }
        signedIn.get("campaigns/:id") { _, context in try await campaignPage(context, pages: pages) }
        signedIn.get("campaigns/:id/live") { request, context in try await liveChanges(request, context) }
        signedIn.get("campaigns/:id/entries") { request, context in
            try await entriesPage(request, context, pages: pages)
        }
        signedIn.post("campaigns/:id/entries") { request, context in
            try await submitEntryPage(request, context, pages: pages)
        }
        signedIn.post("campaigns/:id/entries/import") { request, context in
            try await importEntriesPage(request, context, pages: pages)
        }
        signedIn.get("campaigns/:id/council") { request, context in
            try await councilPage(request, context, pages: pages)
        }
        signedIn.post("campaigns/:id/council/scores") { request, context in
            try await submitScoresPage(request, context, pages: pages)
        }
        signedIn.post("campaigns/:id/council/ballot") { request, context in
            try await submitBallotPage(request, context, pages: pages)
        }
        signedIn.get("campaigns/:id/results") { _, context in try await resultsPage(context, pages: pages) }
        signedIn.get("campaigns/:id/certificates") { request, context in
            try await certificatesPage(request, context, pages: pages)
        }
        signedIn.get("campaigns/:id/manage") { request, context in try await managePage(request, context, pages: pages)
        }
        signedIn.post("campaigns/:id/manage/event") { request, context in
            try await sendEventPage(request, context, pages: pages)
        }
        signedIn.post("campaigns/:id/manage/migrate") { request, context in
            try await migratePage(request, context, pages: pages)
        }
        signedIn.get("access") { request, context in try await accessPage(request, context, pages: pages) }
        signedIn.post("access") { request, context in try await grantPage(request, context, pages: pages) }
        signedIn.post("access/revoke") { request, context in try await revokePage(request, context) }
    }

    /// Where to go after signing in: a path of this site only (never `//elsewhere`).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), next.count < 500 else {
            return "/campaigns"
        }
        return next
    }

    /// The sign-in form's fields, at most 64 KB: the one form sent before there is a session,
    /// so without a form token.
    static func form(_ request: Request) async throws -> [String: String] {
        PageForm.urlEncoded(String(decoding: try await request.bytes(upTo: 64 * 1024), as: UTF8.self))
    }

    /// Signs in with a link's code (it works once and yields a token) or a token, and keeps the
    /// token in an HttpOnly, SameSite=Strict cookie.
    func pageSignIn(_ request: Request, _ context: APIContext, pages: Pages) async throws -> Response {
        let words = PageText.table(context.page.language)
        let form = try await Self.form(request)
        let next = Self.safeNext(form["next"])
        let code = (form["code"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var token: String?
        if !code.isEmpty, code.count <= 200 {
            if code.hasPrefix("laurel_t_") {
                if (try? await service.authenticate(token: code, now: clock())) != nil { token = code }
            } else {
                token = try? await AuditActor.$current.withValue(context.auditActor) {
                    try await service.signIn(linkCode: code, now: clock()).secret
                }
            }
        }
        guard let token else {
            return pages.render(
                "signin", title: words["signIn"]!, ["next": next, "message": words["badCode"]!], session: context.page,
                principal: nil, status: .unauthorized)
        }
        var response = Response.redirect(to: next)
        response.setCookie(Cookie(name: Pages.sessionCookie, value: token, path: "/", sameSite: .strict))
        return response
    }
}
