import Foundation
import LaurelCore
import LaurelDaemon
import LaurelService
import LaurelTesting
import Logging
import Testing

/// The daemon's whole loop in this process, on a clock the test moves (`ManualClock`).
@Suite struct DaemonLoopTests {
    typealias W = TestWorkflows

    @Test("the loop fires a timer when its clock reaches it, not before, and stops when cancelled")
    func loopFollowsItsClock() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let workflows = folder + "/workflows"
        try FileManager.default.createDirectory(atPath: workflows, withIntermediateDirectories: true)
        try Data(W.quick.utf8).write(to: URL(fileURLWithPath: workflows + "/quick.yaml"))
        let service = CampaignService(store: store, registry: W.registry)
        let library = try await service.workflowLibrary(folder: workflows, now: W.may1).library
        let id = try await service.start(
            version: try await library.version(of: "quick", in: service), idempotencyKey: nil, now: W.may1
        ).campaignID
        _ = try await service.apply(.command("launch"), to: id, eventID: "launch", now: W.may1)

        let clock = ManualClock(W.may1 + W.hour)
        let log = CapturedLog()
        let daemon = CampaignDaemon(
            service: service,
            configuration: DaemonConfiguration(workflowsFolder: workflows, maximumWait: 0.02, clock: clock.daemonClock),
            logger: log.logger)
        let running = Task { try await daemon.run() }
        // Real time passes, the clock does not: nothing is due, nothing fires.
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await service.campaign(id: id)?.state == "collecting")
        // Three days on: the reminder is skipped as stale and the two-day window closes the phase.
        clock.advance(by: 3 * W.day)
        var state = ""
        for _ in 0..<250 {
            state = try await service.campaign(id: id)?.state ?? ""
            if state == "closed" { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(state == "closed")
        running.cancel()
        try await running.value
        #expect(log.lines(.info).contains("daemon stopped"), "\(log.lines(.info))")
    }
}
