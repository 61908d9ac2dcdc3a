import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LaurelCore
import LaurelHTTP
import LaurelService
import LaurelStore
import LaurelTesting
import Logging

/// The API on an in-memory store with the access fixtures: the organisation, the contest
/// workflow, a real token per principal of ``AccessFixtures/principals`` (made by the service,
/// as `laurel access grant` makes them), and a clock the test moves.
struct APIHarness {
    let store = InMemoryStore()
    let service: CampaignService
    let clock = ManualClock(TestWorkflows.may1)
    let tokens: [String: String]
    let application: Application<RouterResponder<APIContext>>

    init(fourEyes: FourEyes = .none) async throws {
        try await store.write { try $0.replaceOrganisation(AccessFixtures.organisation) }
        _ = try await TestWorkflows.record(AccessFixtures.contest, id: "contest", in: store)
        service = CampaignService(store: store, registry: TestWorkflows.registry)
        var tokens: [String: String] = [:]
        for (name, principal) in AccessFixtures.principals {
            tokens[name] = try await service.grantAccess(
                person: principal.person, role: principal.role, unit: principal.unit, council: principal.council,
                lifetime: nil, grantedBy: "test", now: clock.now
            ).secret
        }
        self.tokens = tokens
        let clock = clock
        let api = LaurelAPI(service: service, clock: { clock.now }, logger: Logger(label: "test"), fourEyes: fourEyes)
        application = Application(router: api.router())
    }

    /// Starts a contest of d1 and launches it; returns its id.
    func startContest() async throws -> String {
        let version = try await service.latestVersion(of: "contest")
        let started = try await service.start(
            version: version, inputs: ["unit": .text("d1")], idempotencyKey: nil, now: clock.now)
        _ = try await service.apply(
            .command("launch"), to: started.campaignID, eventID: "launch-\(started.campaignID)", now: clock.now)
        return started.campaignID
    }

    func test(_ body: @Sendable (Client) async throws -> Void) async throws {
        let tokens = tokens
        try await application.test(.router) { client in try await body(Client(client: client, tokens: tokens)) }
    }

    struct Client: Sendable {
        let client: any TestClientProtocol
        let tokens: [String: String]

        struct Answer: Sendable {
            var status: Int
            var headers: HTTPFields
            var text: String
            var json: [String: Any]? {
                (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
            }
            var list: [[String: Any]]? {
                (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]]
            }
        }

        /// A request as `who` (a principal's name, or nil for no token), with a JSON body.
        @discardableResult
        func send(
            _ method: HTTPRequest.Method, _ path: String, as who: String?, json: String? = nil,
            headers extra: HTTPFields = [:], body raw: String? = nil, contentType: String = "application/json"
        ) async throws -> Answer {
            var headers = extra
            if let who { headers[.authorization] = "Bearer \(tokens[who] ?? who)" }
            let payload = json ?? raw
            if payload != nil, headers[.contentType] == nil { headers[.contentType] = contentType }
            return try await client.execute(
                uri: path, method: method, headers: headers, body: payload.map { ByteBuffer(string: $0) }
            ) { response in
                Answer(
                    status: Int(response.status.code), headers: response.headers, text: String(buffer: response.body))
            }
        }
    }
}
