import Foundation
import Hummingbird
import LaurelHTTP
import LaurelTesting
import Logging
import Testing

@Suite("OpenAPI document")
struct OpenAPITests {
    /// The document's operations as "METHOD /path/{param}".
    static func documented() throws -> Set<String> {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(LaurelAPI.openAPIDocument().utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        return Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
    }

    @Test("every route of the server is in the committed document, and every operation of the document is a route")
    func routesMatchTheDocument() async throws {
        let harness = try await APIHarness()
        let router = LaurelAPI(service: harness.service, clock: { 0 }, logger: Logger(label: "test")).router()
        try router.validate()
        // The web pages are not the API: they are HTML, for people (PagesTests).
        let apiRoutes = router.routes.filter { route in
            let path = "\(route.path)".drop { $0 == "/" }
            return path.hasPrefix("api") || ["healthz", "metrics", "openapi.json"].contains(String(path))
        }
        let routes = Set(
            apiRoutes.map { route in
                let path = "\(route.path)".split(separator: "/").map { part in
                    part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
                }.joined(separator: "/")
                return "\(route.method) /\(path)"
            })
        #expect(routes == (try Self.documented()))
    }

    @Test("/openapi.json serves the committed document, OpenAPI 3.1, without a token")
    func served() async throws {
        let harness = try await APIHarness()
        try await harness.test { client in
            let answer = try await client.send(.get, "/openapi.json", as: nil)
            #expect(answer.status == 200)
            #expect(answer.text == (try LaurelAPI.openAPIDocument()))
            #expect(answer.json?["openapi"] as? String == "3.1.0")
        }
    }
}
