import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LaurelCore
import LaurelHTTP
import LaurelService
import LaurelTesting
import Logging
import Metrics
import Prometheus
import Testing

@Suite("Metrics")
struct MetricsTests {
    /// swift-metrics is bootstrapped once per process; the tests share this registry.
    static let export: MetricsExport = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return MetricsExport(registry: registry)
    }()

    @Test(
        "/metrics counts requests by route template and commands by kind and result, and no label names a person, an entry, a unit or a secret paper's choice"
    )
    func exported() async throws {
        let harness = try await APIHarness()
        let export = Self.export
        let clock = harness.clock
        let api = LaurelAPI(
            service: harness.service, clock: { clock.now }, logger: Logger(label: "test"), metrics: export)
        let application = Application(router: api.router())
        let id = try await CouncilTests.judging(harness)
        let tokens = harness.tokens
        try await application.test(.router) { raw in
            let client = APIHarness.Client(client: raw, tokens: tokens)
            _ = try await client.send(
                .post, "/api/campaigns/\(id)/scores", as: "juror-a",
                json: #"{"lines": [{"entry": "e1", "values": [8]}, {"entry": "e2", "values": [6]}]}"#)
            _ = try await client.send(
                .post, "/api/campaigns/\(id)/scores", as: "juror-g1",
                json: #"{"lines": [{"entry": "e1", "values": [9]}]}"#)
            _ = try await client.send(
                .post, "/api/campaigns/\(id)/scores", as: "juror-g1",
                json: #"{"lines": [{"entry": "e2", "values": [7]}]}"#)
            clock.advance(by: 11 * TestWorkflows.day)
            let paper = try await client.send(
                .post, "/api/campaigns/\(id)/ballot", as: "board", json: #"{"for": ["e2"]}"#)
            #expect(paper.status == 200, "\(paper.text)")
            let metrics = try await client.send(.get, "/metrics", as: nil)
            #expect(metrics.status == 200)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = metrics.text
            #expect(text.contains(#"laurel_commands_total{kind="scores",result="accepted"}"#))
            #expect(text.contains(#"laurel_commands_total{kind="scores",result="refused"}"#), "the own-unit sheet")
            #expect(text.contains(#"laurel_commands_total{kind="ballot",result="accepted"}"#))
            #expect(text.contains(#"laurel_campaigns{workflow="contest",state="voting",status="running"}"#))
            #expect(text.contains(#"http_route="/api/campaigns/{id}/scores""#))
            #expect(text.contains("laurel_outbox_backlog"))
            for private_ in ["p-juror-a", "p-board", "e1", "e2", "g1", "d1", id, "approve"] {
                #expect(!text.contains("\"\(private_)\""), "a label names \(private_)")
            }
        }
    }
}
