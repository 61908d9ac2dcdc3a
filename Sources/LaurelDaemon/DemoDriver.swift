import LaurelCore
import LaurelService
import LaurelStore
import Logging

/// What `laurel serve --demo` generates.
public struct DemoConfiguration: Sendable {
    /// Seed of the generated entries, reports, scores and administrator events.
    public var seed: UInt64

    public init(seed: UInt64 = 1) {
        self.seed = seed
    }
}

/// Starts one campaign per workflow and plays generated events into them as the (accelerated)
/// clock reaches them, through the same `CampaignService` the commands use: a newcomer watches
/// campaigns advance in the daemon's log within a minute.
struct DemoDriver {
    let configuration: DemoConfiguration
    let service: CampaignService
    let logger: Logger
    private var generators: [String: EventGenerator] = [:]
    private var pending: [String: [TimedEvent]] = [:]
    private var sent = 0

    init(configuration: DemoConfiguration, service: CampaignService, logger: Logger) {
        self.configuration = configuration
        self.service = service
        self.logger = logger
    }

    var nextEventAt: Instant? { pending.values.compactMap { $0.first?.at }.min() }

    mutating func startCampaigns(library: WorkflowLibrary, now: Instant) async throws {
        for current in library.current.values.sorted(by: { $0.workflowID < $1.workflowID }) {
            let result = try await service.start(
                version: current.version, idempotencyKey: "demo:\(current.workflowID):\(now)", now: now)
            for event in result.logged {
                logger.info("\(Escaping.line(event.summary))", metadata: ["campaign": .string(result.campaignID)])
            }
            let engine = try await service.engine(version: current.version)
            generators[result.campaignID] = EventGenerator(engine: engine, seed: configuration.seed)
            pending[result.campaignID] = []
        }
    }

    /// Plans events for campaigns that moved, and sends those whose time has come.
    mutating func step(now: Instant) async throws {
        for campaignID in generators.keys.sorted() {
            // With its entries: a step plans its inputs from them (a review scores each one).
            guard let campaign = try await service.campaign(id: campaignID, withEntries: true),
                campaign.status == .running
            else {
                generators[campaignID] = nil
                pending[campaignID] = nil
                continue
            }
            let planned = generators[campaignID]!.plan(for: campaign)
            if !planned.isEmpty {
                pending[campaignID] = (pending[campaignID, default: []] + planned).sorted { $0.at < $1.at }
            }
            while let next = pending[campaignID]?.first, next.at <= now {
                pending[campaignID]!.removeFirst()
                sent += 1
                do {
                    let result = try await service.apply(
                        next.event, to: campaignID, eventID: "demo:\(campaignID):\(sent)", now: now)
                    for event in result.logged where event.summary.contains("->") {
                        logger.info("\(Escaping.line(event.summary))", metadata: ["campaign": .string(campaignID)])
                    }
                } catch {
                    logger.debug(
                        "generated event refused",
                        metadata: ["campaign": .string(campaignID), "reason": .string("\(error)")])
                }
            }
        }
    }
}
