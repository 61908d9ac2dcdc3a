public import LaurelCore
import LaurelStore
public import Logging
public import ServiceLifecycle
import Foundation

/// How the daemon runs; every field has a default.
public struct DaemonConfiguration: Sendable {
    /// The folder of workflow files, scanned again every `reloadInterval` real seconds.
    public var workflowsFolder: String
    public var reloadInterval: Double
    /// The longest the daemon sleeps between ticks (real seconds); it wakes sooner for a timer.
    public var maximumWait: Double
    /// Due timers read from the index per query.
    public var batchSize: Int
    /// Due timers fired per transaction (each whole with its consequences): fewer commits.
    public var timersPerTransaction: Int
    public var clock: DaemonClock
    /// Generated campaigns and events, for watching the daemon work (`laurel serve --demo`).
    public var demo: DemoConfiguration?
    /// A file that delivered outbox items are appended to as JSON lines; nil logs them only.
    public var outboxFile: String?
    /// A folder certificates are written to as Markdown and HTML, one subfolder per campaign;
    /// nil writes none (they are still in the log and the outbox file).
    public var certificatesFolder: String?

    public init(workflowsFolder: String = "workflows", reloadInterval: Double = 2, maximumWait: Double = 0.25,
                batchSize: Int = 500, timersPerTransaction: Int = 50, clock: DaemonClock = .system, demo: DemoConfiguration? = nil, outboxFile: String? = nil,
                certificatesFolder: String? = nil) {
        self.workflowsFolder = workflowsFolder
        self.reloadInterval = reloadInterval
        self.maximumWait = maximumWait
        self.batchSize = batchSize
        self.timersPerTransaction = max(1, timersPerTransaction)
        self.clock = clock
        self.demo = demo
        self.outboxFile = outboxFile
        self.certificatesFolder = certificatesFolder
    }
}

/// What one tick did.
public struct TickReport: Sendable {
    public var fired = 0
    public var skipped = 0
    public var stale = 0
    public var failed = 0
    /// True when due timers were left for the next tick (a shutdown was requested meanwhile).
    public var interrupted = false
    /// Timers taken from the index, whatever became of them.
    public var handled: Int { fired + skipped + stale + failed }
}

/// The Laurel daemon: advances every running campaign on its schedule.
///
/// A `Service` for swift-service-lifecycle: run it in a `ServiceGroup` with graceful shutdown on
/// SIGTERM and SIGINT. Each loop it fires the timers that fell due, from the due index in due
/// order, each in its own transaction with its consequences; delivers the outbox; rescans the
/// workflow folder. A shutdown lets the transaction in flight finish and stops before the next.
/// Events that commands write are in the store as soon as they commit, so the next tick sees
/// their campaigns and timers.
public final class LaurelDaemon: Service {
    public let service: CampaignService
    public let configuration: DaemonConfiguration
    private let logger: Logger

    public init(service: CampaignService, configuration: DaemonConfiguration = DaemonConfiguration(), logger: Logger) {
        self.service = service
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let clock = configuration.clock
        var library = WorkflowLibrary(folder: configuration.workflowsFolder, registry: service.registry)
        do {
            try reload(&library)
        } catch let error as ServiceError {
            throw error  // the folder is missing: a mistake on the command line, not a passing fault
        } catch {
            logger.error("could not read the workflows yet; trying again in the loop", metadata: ["error": .string("\(error)")])
        }
        let running = (try? service.store.campaigns().filter { $0.status == .running }.count) ?? 0
        logger.info("daemon started", metadata: [
            "workflows": .string(configuration.workflowsFolder),
            "campaigns": .stringConvertible(running),
            "clock": .string(clock.isAccelerated
                ? "accelerated x\(Int(clock.speed)), now \(ZonedCalendar(zoneName: "UTC")!.format(clock.now())) UTC" : "system"),
        ])
        var demo = configuration.demo.map { DemoDriver(configuration: $0, service: service, logger: logger) }
        try demo?.startCampaigns(library: library, now: clock.now())
        var lastReload = Date()
        var cycles = CycleWatch()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var wait = configuration.maximumWait
            do {
                let report = try tick(now: clock.now())
                if report.interrupted { break }
                try startDueCycles(library, &cycles, now: clock.now())
                try deliverOutbox(now: clock.now())
                try demo?.step(now: clock.now())
                if Date().timeIntervalSince(lastReload) >= configuration.reloadInterval {
                    try reload(&library)
                    lastReload = Date()
                }
                if let next = try service.store.nextDue() { wait = min(wait, max(0, clock.realSeconds(until: next + 1))) }
                if let next = cycles.earliest { wait = min(wait, max(0, clock.realSeconds(until: next))) }
                if let demoNext = demo?.nextEventAt { wait = min(wait, max(0, clock.realSeconds(until: demoNext))) }
            } catch {
                // A store error here is usually passing (another process holding the write lock
                // past the busy timeout, a disk briefly full): every transaction rolled back whole,
                // so the loop can try again. The daemon stays up and says so.
                logger.error("loop failed; trying again in 1 s", metadata: ["error": .string("\(error)")])
                wait = 1
            }
            if wait > 0 {
                let milliseconds = Int(wait * 1000) + 1
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(milliseconds)) }
            }
        }
        logger.info("daemon stopped", metadata: ["reason": .string(Task.isCancelled ? "cancelled" : "shutdown requested")])
    }

    /// Fires every timer due at `now`, earliest first, each in its own transaction. The query
    /// reads the due index only: a tick costs what is due, not what exists.
    @discardableResult
    public func tick(now: Instant) throws -> TickReport {
        var report = TickReport()
        let started = ContinuousClock.now
        var nextProgress = 10_000
        defer { if report.handled > 0 { logReport(report, since: started, final: true) } }
        // Fired timers leave the index, so each read starts from the earliest due again; a timer
        // that failed stays, so after a read with failures the next one starts past it (each
        // failing timer is tried once per tick, and later timers are not held up behind it).
        var cursor: DueTimer?
        while true {
            let due = try service.store.dueTimers(at: now - 1, after: cursor, limit: configuration.batchSize)
            if due.isEmpty { return report }
            let failedBefore = report.failed
            for start in stride(from: 0, to: due.count, by: configuration.timersPerTransaction) {
                if Task.isShuttingDownGracefully {
                    report.interrupted = true
                    return report
                }
                // A long catch-up (after downtime) says how far it got.
                if report.handled >= nextProgress {
                    logReport(report, since: started, final: false)
                    nextProgress += 10_000
                }
                let batch = Array(due[start..<min(due.count, start + configuration.timersPerTransaction)])
                if let results = try? service.fire(batch, now: now) {
                    for result in results { count(result, into: &report) }
                    continue
                }
                // Something in the batch failed and nothing of it was written: one by one, so
                // the others fire and the failing timer is named in the log.
                for timer in batch {
                    do {
                        count(try service.fire(timer, now: now), into: &report)
                    } catch {
                        report.failed += 1
                        logger.error("timer could not fire", metadata: [
                            "campaign": .string(timer.campaignID), "timer": .stringConvertible(timer.timerID),
                            "error": .string("\(error)"),
                        ])
                    }
                }
            }
            if report.failed > failedBefore { cursor = due.last }
        }
    }

    private func count(_ result: ServiceResult, into report: inout TickReport) {
        switch result.status {
        case .applied, .alreadyApplied, .checked: report.fired += 1
        case .skipped: report.skipped += 1
        case .stale: report.stale += 1
        }
        for event in result.logged { log(event) }
    }

    private func logReport(_ report: TickReport, since started: ContinuousClock.Instant, final: Bool) {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        logger.info(final ? "tick done" : "catching up", metadata: [
            "fired": .stringConvertible(report.fired), "skipped": .stringConvertible(report.skipped),
            "stale": .stringConvertible(report.stale), "failed": .stringConvertible(report.failed),
            "seconds": .string(String(format: "%.3f", seconds)),
        ])
    }

    /// One line per thing that happened to a campaign.
    func log(_ event: LoggedEvent) {
        var metadata: Logger.Metadata = ["campaign": .string(event.campaignID), "event": .string(event.id)]
        if event.lateBy > 0 { metadata["late_by"] = .string(Self.duration(event.lateBy)) }
        logger.info("\(event.disposition == .skipped ? "skipped " : "")\(event.summary)", metadata: metadata)
    }

    static func duration(_ seconds: Int64) -> String {
        let days = seconds / 86_400
        let hours = (seconds % 86_400) / 3_600
        let minutes = (seconds % 3_600) / 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(seconds % 60)s" }
        return "\(seconds)s"
    }

    private func reload(_ library: inout WorkflowLibrary) throws {
        if let organisation = try service.refreshOrganisation(), !organisation.isEmpty {
            logger.info("organisation data loaded", metadata: [
                "units": .stringConvertible(organisation.units.count), "people": .stringConvertible(organisation.people.count),
            ])
        }
        for change in try library.scan(into: service.store, now: configuration.clock.now()) {
            switch change {
            case .loaded(let file, let workflowID, let version, let warnings):
                logger.info("workflow loaded", metadata: [
                    "file": .string(file), "workflow": .string(workflowID), "version": .string(String(version.prefix(12))),
                    "warnings": .stringConvertible(warnings.count),
                ])
            case .rejected(let file, let diagnostics, let keeping):
                let rendered = DiagnosticRenderer().text(diagnostics.filter { $0.severity == .error })
                logger.error("workflow file rejected; \(keeping.map { "version \($0.prefix(12)) stays in force" } ?? "no earlier version to keep")\n\(rendered)",
                             metadata: ["file": .string(file)])
            case .removed(let file):
                logger.warning("workflow file removed; campaigns started on it keep running", metadata: ["file": .string(file)])
            }
        }
    }

    /// When each workflow's next cycle begins, by the version it was worked out for: a
    /// recurring workflow is looked at in the store only when a cycle is due or its file changed.
    public struct CycleWatch: Sendable {
        var next: [String: (version: String, at: Instant?)] = [:]
        public init() {}
        var earliest: Instant? { next.values.compactMap(\.at).min() }
    }

    /// Starts the campaigns of recurring workflows whose cycle began (``CampaignService/startDueCycles``),
    /// logging each start and every cycle the catch-up policy passed over. A workflow whose file
    /// was removed starts no more cycles.
    public func startDueCycles(_ library: WorkflowLibrary, _ watch: inout CycleWatch, now: Instant) throws {
        for (workflowID, current) in library.current.sorted(by: { $0.key < $1.key }) {
            if let known = watch.next[workflowID], known.version == current.version, known.at.map({ now < $0 }) ?? true { continue }
            let engine = try service.engine(version: current.version)
            guard let recurrence = engine.workflow.recurrence, FileManager.default.fileExists(atPath: current.file) else {
                watch.next[workflowID] = (current.version, nil)
                continue
            }
            let report = try service.startDueCycles(version: current.version, now: now)
            for started in report.started { log(started.logged) }
            if report.skipped > 0, let first = report.firstSkipped, let last = report.lastSkipped {
                logger.warning("cycles that began while the daemon was not running them were passed over (catch-up: \(recurrence.catchUp.rawValue))", metadata: [
                    "workflow": .string(workflowID), "skipped": .stringConvertible(report.skipped),
                    "from": .string(engine.calendar.format(first)), "to": .string(engine.calendar.format(last)),
                ])
            }
            watch.next[workflowID] = (current.version, report.nextCycle)
        }
    }

    /// Hands pending effects to the sinks (the log, and the outbox file when configured), then
    /// marks them delivered. A crash in between delivers them again: at least once.
    public func deliverOutbox(now: Instant) throws {
        let pending = try service.store.pendingOutbox(limit: 500)
        guard !pending.isEmpty else { return }
        var lines = ""
        for item in pending {
            if case .certificate(let certificate) = item.effect, let folder = configuration.certificatesFolder {
                let campaignFolder = (folder as NSString).appendingPathComponent(Certificate.safeFileName(item.campaignID))
                try CertificateFiles.write(certificate, into: campaignFolder)
            }
            logger.notice("\(OutboxDocument.text(item.effect))",
                          metadata: ["campaign": .string(item.campaignID), "outbox": .stringConvertible(item.sequence)])
            lines += OutboxDocument.json(item).rendered(pretty: false) + "\n"
        }
        if let file = configuration.outboxFile {
            if !FileManager.default.fileExists(atPath: file) { _ = FileManager.default.createFile(atPath: file, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: file) else {
                throw ServiceError("cannot write the outbox file '\(file)'")
            }
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(lines.utf8))
        }
        try service.store.markDelivered(pending.map(\.sequence), at: now)
    }
}
