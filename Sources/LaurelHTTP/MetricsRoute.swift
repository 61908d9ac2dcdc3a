import Hummingbird
import LaurelCore
import LaurelService
import LaurelStore
import Metrics
public import Prometheus
import Synchronization

/// `/metrics` in Prometheus' text format: what the daemon and the API counted (through
/// swift-metrics, bootstrapped with this registry by the `laurel` command), and gauges read from
/// the store at each scrape: campaigns by workflow and state, and the outbox backlog.
public final class MetricsExport: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The (workflow, state) pairs set at the last scrape: a pair no campaign is in any more is
    /// set to 0, not left at its last count.
    private let lastPairs = Mutex<Set<[String]>>([])

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func text(service: CampaignService) async throws -> String {
        let summaries = try await service.campaigns()
        var counts: [[String]: Int] = [:]
        for summary in summaries {
            counts[[summary.workflowID, summary.state, summary.status.rawValue], default: 0] += 1
        }
        let stale = lastPairs.withLock { last in
            let gone = last.subtracting(counts.keys)
            last = Set(counts.keys)
            return gone
        }
        for pair in stale { counts[pair] = 0 }
        for (pair, count) in counts {
            Gauge(
                label: "laurel_campaigns", dimensions: [("workflow", pair[0]), ("state", pair[1]), ("status", pair[2])]
            )
            .record(count)
        }
        Gauge(label: "laurel_outbox_backlog").record(try await service.outboxBacklog())
        return registry.emitToString()
    }
}

extension LaurelAPI {
    /// What a command came to, by its kind (entry, scores, vote, ...) and result (`accepted` or
    /// the error's code): never a label per person, entry or unit.
    static func count(_ kind: String, _ result: String) {
        Counter(label: "laurel_commands_total", dimensions: [("kind", kind), ("result", result)]).increment()
    }

    /// Runs a command's body and counts what it came to.
    static func counting<T>(_ kind: String, _ body: () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            count(kind, "accepted")
            return value
        } catch let error as LaurelError {
            count(kind, error.code.description)
            throw error
        } catch let problem as Problem {
            count(kind, problem.code)
            throw problem
        } catch {
            count(kind, "internal")
            throw error
        }
    }
}
