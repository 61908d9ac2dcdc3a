import Foundation
public import LaurelCore
public import LaurelService
import LaurelStore
public import Logging
public import ServiceLifecycle
import Synchronization

/// How the daemon runs; every field has a default.
public struct DaemonConfiguration: Sendable {
    /// The folder of workflow files, scanned again every `reloadInterval` real seconds.
    public var workflowsFolder: String
    public var reloadInterval: Double
    /// The longest the daemon sleeps between ticks (real seconds); it wakes sooner for a timer.
    public var maximumWait: Double
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
    /// HTTP endpoints every outbox item is POSTed to, signed; nil posts nothing.
    public var webhooks: WebhookConfiguration?
    /// The key audit checkpoints are signed with, every ``auditInterval`` seconds when records
    /// wait and once more at shutdown; nil signs none (`laurel audit checkpoint` can).
    public var auditSigner: AuditSigner?
    public var auditInterval: Double

    public init(
        workflowsFolder: String = "workflows", reloadInterval: Double = 2, maximumWait: Double = 0.25,
        timersPerTransaction: Int = 50, clock: DaemonClock = .system, demo: DemoConfiguration? = nil,
        outboxFile: String? = nil,
        certificatesFolder: String? = nil, webhooks: WebhookConfiguration? = nil, auditSigner: AuditSigner? = nil,
        auditInterval: Double = 10
    ) {
        self.workflowsFolder = workflowsFolder
        self.reloadInterval = reloadInterval
        self.maximumWait = maximumWait
        self.timersPerTransaction = max(1, timersPerTransaction)
        self.clock = clock
        self.demo = demo
        self.outboxFile = outboxFile
        self.certificatesFolder = certificatesFolder
        self.webhooks = webhooks
        self.auditSigner = auditSigner
        self.auditInterval = auditInterval
    }

    /// What stands in the way of the files the daemon writes (the outbox file, the certificates
    /// folder), found before it starts rather than at every delivery: one line per problem.
    /// Creates the outbox file and the certificates folder when they are missing.
    public func pathProblems() -> [String] {
        var problems: [String] = []
        if let file = outboxFile {
            let descriptor = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            if descriptor >= 0 {
                close(descriptor)
            } else {
                problems.append("--outbox: cannot write '\(file)': \(Self.reason(errno))")
            }
        }
        if let folder = certificatesFolder {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                if access(folder, W_OK | X_OK) != 0 {
                    problems.append("--certificates: cannot write into '\(folder)': \(Self.reason(errno))")
                }
            } catch {
                var isDirectory: ObjCBool = false
                let exists = FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory)
                problems.append(
                    "--certificates: cannot use '\(folder)' as the certificates folder: "
                        + (exists && !isDirectory.boolValue
                            ? "it is a file, not a folder" : StoreMessages.describe(error)))
            }
        }
        return problems
    }

    static func reason(_ number: Int32) -> String {
        switch number {
        case EACCES, EPERM: return "permission denied"
        case ENOENT: return "its folder does not exist"
        case EISDIR: return "it is a folder, not a file"
        case ENOTDIR: return "a part of its path is not a folder"
        case EROFS: return "the disk is read-only"
        case ENOSPC: return "the disk is full"
        default: return String(cString: strerror(number)).lowercased()
        }
    }
}

/// What one tick did.
public struct TickReport: Sendable {
    public var fired = 0
    public var skipped = 0
    public var stale = 0
    public var failed = 0
    /// Due timers passed over because they failed before and their retry delay is not up.
    public var waiting = 0
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
public final class CampaignDaemon: Service {
    public let service: CampaignService
    public let configuration: DaemonConfiguration
    private let logger: Logger
    private let metrics = DaemonMetrics()
    /// Timers that failed to fire and outbox items that failed to deliver, each tried again
    /// after a growing delay (``Backoff``), so one fault neither floods the log nor holds up the rest.
    private let retries = Mutex<(timers: Backoff<DueTimer>, outbox: Backoff<Int64>)>((Backoff(), Backoff()))
    /// The origin of the real, monotonic seconds the retry delays count in.
    private let started = ContinuousClock.now

    /// Real seconds since the daemon was made: what retry delays count in (not the campaign clock,
    /// which the demo accelerates).
    public var secondsRunning: Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    public init(service: CampaignService, configuration: DaemonConfiguration = DaemonConfiguration(), logger: Logger) {
        self.service = service
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        // What the daemon does (timers fired, checkpoints) is recorded as the daemon's, named as
        // its log lines name it.
        var name: String?
        if case .string(let given)? = logger[metadataKey: "daemon"] { name = given }
        try await AuditActor.$current.withValue(.daemon(name: name)) { try await runLoops() }
    }

    private func runLoops() async throws {
        // The loop runs where the store's transactions run (SQLite: its own thread), so a
        // transaction costs no thread switch (docs/architecture.md, "The store boundary").
        try await withTaskExecutorPreference(service.preferredExecutor) {
            guard configuration.webhooks != nil || configuration.auditSigner != nil else {
                return try await loop(deliveringOutbox: true)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Webhooks wait on the network: the outbox is delivered by a loop of its own, so a
                // slow or unreachable endpoint never holds up a tick.
                let webhooks = configuration.webhooks != nil
                group.addTask { try await self.loop(deliveringOutbox: !webhooks) }
                if webhooks { group.addTask { try await self.outboxLoop() } }
                if let signer = configuration.auditSigner {
                    group.addTask { await self.checkpointLoop(signer: signer) }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Signs an audit checkpoint every ``DaemonConfiguration/auditInterval`` seconds when records
    /// wait, and once more at shutdown so that nothing the daemon did is left unsigned.
    private func checkpointLoop(signer: AuditSigner) async {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .seconds(self.configuration.auditInterval))
            }
            guard !Task.isCancelled else { return }
            await checkpoint(signer: signer)
        }
    }

    private func checkpoint(signer: AuditSigner) async {
        do {
            if let checkpoint = try await service.checkpointAudit(signer: signer, now: configuration.clock.now()) {
                logger.info(
                    "audit checkpoint signed and published",
                    metadata: [
                        "size": .stringConvertible(checkpoint.size), "key": .string(signer.publicKey.keyID),
                    ])
            }
        } catch {
            logger.error(
                "the audit checkpoint could not be signed; trying again at the next interval",
                metadata: ["error": .string(StoreMessages.describe(error))])
        }
    }

    /// Delivers the outbox every quarter of a second until the shutdown, beside the ticks.
    private func outboxLoop() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await deliverOutbox(now: configuration.clock.now())
            } catch {
                logger.error(
                    "outbox delivery failed; trying again in 1 s",
                    metadata: ["error": .string(StoreMessages.describe(error))]
                )
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(250)) }
        }
    }

    private func loop(deliveringOutbox: Bool) async throws {
        var clock = configuration.clock
        // On a database several daemons share, due comparisons use the server's clock.
        if clock.isWallClock, let server = try? await service.sharedClock() {
            let difference = Date().timeIntervalSince1970 - server
            if abs(difference) > 1 {
                logger.warning(
                    "this machine's clock differs from the database server's; the daemon keeps the server's time",
                    metadata: ["difference_seconds": .stringConvertible((difference * 10).rounded() / 10)])
            }
            clock = clock.agreeing(with: server)
        }
        var library = WorkflowLibrary(folder: configuration.workflowsFolder, registry: service.registry)
        do {
            try await reload(&library)
        } catch let error as LaurelError where error.code == .invalidRequest {
            throw error  // the folder is missing: a mistake on the command line, not a passing fault
        } catch {
            logger.error(
                "could not read the workflows yet; trying again in the loop",
                metadata: ["error": .string(StoreMessages.describe(error))])
        }
        let running = (try? await service.campaigns().filter { $0.status == .running }.count) ?? 0
        logger.info(
            "daemon started",
            metadata: [
                "workflows": .string(configuration.workflowsFolder),
                "campaigns": .stringConvertible(running),
                "clock": .string(
                    clock.isAccelerated
                        ? "accelerated x\(Int(clock.speed)), now \(ZonedCalendar(zoneName: "UTC")!.format(clock.now())) UTC"
                        : "system"),
            ])
        var demo = configuration.demo.map { DemoDriver(configuration: $0, service: service, logger: logger) }
        try await demo?.startCampaigns(library: library, now: clock.now())
        var lastReload = Date()
        var cycles = CycleWatch()
        var firstTick = true
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var wait = configuration.maximumWait
            do {
                let report = try await tick(now: clock.now())
                // Timers due at the start fell due while no daemon ran (a crash, a stop).
                if firstTick, report.fired + report.skipped > 0 {
                    metrics.recovered(caughtUp: report.fired + report.skipped)
                }
                firstTick = false
                if report.interrupted { break }
                try await startDueCycles(library, &cycles, now: clock.now())
                if deliveringOutbox { try await deliverOutbox(now: clock.now()) }
                try await demo?.step(now: clock.now())
                if Date().timeIntervalSince(lastReload) >= configuration.reloadInterval {
                    if clock.isWallClock, let server = try await service.sharedClock() {
                        clock = clock.agreeing(with: server)
                    }
                    try await reload(&library)
                    lastReload = Date()
                }
                if let next = try await service.nextDue() {
                    // A timer due already that this tick could not take (another daemon holds its
                    // campaign, or it waits for a retry) is looked at again shortly, not at once.
                    let until = clock.realSeconds(until: next)
                    wait = min(wait, until > 0 ? until : report.handled == 0 ? configuration.maximumWait / 5 : 0)
                }
                if let next = cycles.earliest { wait = min(wait, max(0, clock.realSeconds(until: next))) }
                if let demoNext = demo?.nextEventAt { wait = min(wait, max(0, clock.realSeconds(until: demoNext))) }
            } catch {
                // A store error here is usually passing (another process holding the write lock
                // past the busy timeout, a disk briefly full): every transaction rolled back whole,
                // so the loop can try again. The daemon stays up and says so.
                logger.error(
                    "loop failed; trying again in 1 s", metadata: ["error": .string(StoreMessages.describe(error))])
                wait = 1
            }
            if wait > 0 {
                let milliseconds = Int(wait * 1000) + 1
                // A commit by another process that arms a timer due soon ends the wait early.
                try? await cancelWhenGracefulShutdown {
                    try await self.service.waitForTimers(timeout: .milliseconds(milliseconds))
                }
            }
        }
        logger.info(
            "daemon stopped", metadata: ["reason": .string(Task.isCancelled ? "cancelled" : "shutdown requested")])
    }

    /// Fires every timer due at `now`, earliest first: up to ``DaemonConfiguration/timersPerTransaction``
    /// claimed and fired in each transaction (``CampaignService/fireDue(at:after:limit:waiting:)``),
    /// so no other daemon fires them meanwhile. The claim reads the due index only: a tick costs
    /// what is due, not what exists. A timer that failed is passed over until its retry delay is
    /// up (`moment`: real seconds, ``secondsRunning``).
    @discardableResult
    public func tick(now: Instant, moment: Double? = nil) async throws -> TickReport {
        let moment = moment ?? secondsRunning
        var report = TickReport()
        let started = ContinuousClock.now
        var nextProgress = 10_000
        defer { if report.handled > 0 { logReport(report, since: started, final: true) } }
        let limit = configuration.timersPerTransaction
        let isWaiting: @Sendable (DueTimer) -> Bool = { timer in
            self.retries.withLock { $0.timers.count > 0 && $0.timers.isWaiting(timer, now: moment) }
        }
        // Fired timers leave the index, so each claim starts from the earliest due again; a timer
        // left in it (waiting for a retry, or failing) moves the next claim past it, so each is
        // tried once per tick and later timers are not held up behind it.
        var cursor: DueTimer?
        while true {
            // A long catch-up (after downtime) says how far it got.
            if report.handled >= nextProgress {
                logReport(report, since: started, final: false)
                nextProgress += 10_000
            }
            let batch: CampaignService.FiredBatch
            do {
                batch = try await service.fireDue(at: now, after: cursor, limit: limit, waiting: isWaiting)
            } catch {
                // Something in the batch failed and nothing of it was written: one by one, so
                // the others fire and the failing timer is named in the log (once per error; it
                // is tried again after a growing delay).
                let due = try await service.dueTimers(at: now, after: cursor, limit: limit)
                if due.isEmpty { return report }
                for timer in due {
                    if isWaiting(timer) {
                        report.waiting += 1
                        continue
                    }
                    do {
                        count(try await service.fire(timer, now: now), of: timer, into: &report)
                    } catch {
                        report.failed += 1
                        metrics.timerFailed()
                        let message = StoreMessages.describe(error)
                        if retries.withLock({ $0.timers.failed(timer, error: message, now: moment) }) {
                            logger.error(
                                "timer could not fire; trying it again later, with growing delays",
                                metadata: [
                                    "campaign": .string(timer.campaignID), "timer": .stringConvertible(timer.timerID),
                                    "error": .string(message),
                                ])
                        }
                    }
                }
                cursor = due.last
                continue
            }
            if batch.claimed.isEmpty { return report }
            // Work others handed to the store's thread goes ahead between claims.
            await Task.yield()
            for (timer, result) in batch.fired { count(result, of: timer, into: &report) }
            report.waiting += batch.claimed.count - batch.fired.count
            if batch.fired.count < batch.claimed.count { cursor = batch.claimed.last }
            // A shutdown lets the transaction in flight finish and stops before the next.
            if Task.isShuttingDownGracefully {
                report.interrupted = true
                return report
            }
        }
    }

    private func count(_ result: ServiceResult, of timer: DueTimer, into report: inout TickReport) {
        let failures = retries.withLock { $0.timers.count > 0 ? $0.timers.succeeded(timer) : 0 }
        if failures > 0 {
            logger.notice(
                "timer fired after \(failures.counted("failed try", "failed tries"))",
                metadata: ["campaign": .string(timer.campaignID), "timer": .stringConvertible(timer.timerID)])
        }
        metrics.timer(result, of: timer)
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
        logger.info(
            final ? "tick done" : "catching up",
            metadata: [
                "fired": .stringConvertible(report.fired), "skipped": .stringConvertible(report.skipped),
                "stale": .stringConvertible(report.stale), "failed": .stringConvertible(report.failed),
                "seconds": .string(String(format: "%.3f", seconds)),
            ])
    }

    /// One line per thing that happened to a campaign.
    func log(_ event: LoggedEvent) {
        var metadata: Logger.Metadata = ["campaign": .string(event.campaignID), "event": .string(event.id)]
        if event.lateBy > 0 { metadata["late_by"] = .string(event.lateBy.spokenAsDuration) }
        logger.info(
            "\(event.disposition == .skipped ? "skipped " : "")\(Escaping.line(event.summary))", metadata: metadata)
    }

    private func reload(_ library: inout WorkflowLibrary) async throws {
        if let organisation = try await service.refreshOrganisation(), !organisation.isEmpty {
            logger.info(
                "organisation data loaded",
                metadata: [
                    "units": .stringConvertible(organisation.units.count),
                    "people": .stringConvertible(organisation.people.count),
                ])
        }
        for change in try await library.scan(recordingIn: service, now: configuration.clock.now()) {
            switch change {
            case .loaded(let file, let workflowID, let version, let warnings):
                logger.info(
                    "workflow loaded",
                    metadata: [
                        "file": .string(file), "workflow": .string(workflowID),
                        "version": .string(String(version.prefix(12))),
                        "warnings": .stringConvertible(warnings.count),
                    ])
            case .rejected(let file, let diagnostics, let keeping):
                let rendered = DiagnosticRenderer().text(diagnostics.filter { $0.severity == .error })
                logger.error(
                    "workflow file rejected; \(keeping.map { "version \($0.prefix(12)) stays in force" } ?? "no earlier version to keep")\n\(rendered)",
                    metadata: ["file": .string(file)])
            case .removed(let file):
                logger.warning(
                    "workflow file removed; campaigns started on it keep running", metadata: ["file": .string(file)])
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
    public func startDueCycles(_ library: WorkflowLibrary, _ watch: inout CycleWatch, now: Instant) async throws {
        for (workflowID, current) in library.current.sorted(by: { $0.key < $1.key }) {
            if let known = watch.next[workflowID], known.version == current.version, known.at.map({ now < $0 }) ?? true
            {
                continue
            }
            let engine = try await service.engine(version: current.version)
            guard let recurrence = engine.workflow.recurrence, FileManager.default.fileExists(atPath: current.file)
            else {
                watch.next[workflowID] = (current.version, nil)
                continue
            }
            let report = try await service.startDueCycles(version: current.version, now: now)
            for started in report.started { log(started.logged) }
            if report.skipped > 0, let first = report.firstSkipped, let last = report.lastSkipped {
                logger.warning(
                    "cycles that began while the daemon was not running them were passed over (catch-up: \(recurrence.catchUp.rawValue))",
                    metadata: [
                        "workflow": .string(workflowID), "skipped": .stringConvertible(report.skipped),
                        "from": .string(engine.calendar.format(first)), "to": .string(engine.calendar.format(last)),
                    ])
            }
            watch.next[workflowID] = (current.version, report.nextCycle)
        }
    }

    /// Hands pending effects to the sinks (the log, the certificates folder and the outbox file
    /// when configured), then marks them delivered. A crash in between delivers them again: at
    /// least once. An item that cannot be delivered stays pending and is tried again after a
    /// growing delay, with its error logged once; the items after it are delivered meanwhile
    /// (their sequence numbers keep their order for a receiver). `moment`: real seconds.
    public func deliverOutbox(now: Instant, moment: Double? = nil) async throws {
        let moment = moment ?? secondsRunning
        let failing = retries.withLock { $0.outbox.count }
        // Taken for a minute: another daemon takes an item only once this one's lease runs out.
        let leases = try await service.leaseOutbox(limit: 500 + failing, at: now, until: now + 60)
        guard !leases.isEmpty else { return }
        var released: [OutboxLease] = []
        var lines = ""
        var delivered: [OutboxLease] = []
        // A certificate carries the audit log's seal: the award's record under a signed checkpoint,
        // signed now if it waits for one.
        var sealing = false
        if let signer = configuration.auditSigner, configuration.certificatesFolder != nil,
            leases.contains(where: { if case .certificate = $0.item.effect { true } else { false } })
        {
            await checkpoint(signer: signer)
            sealing = true
        }
        for lease in leases {
            let item = lease.item
            if failing > 0, retries.withLock({ $0.outbox.isWaiting(item.sequence, now: moment) }) {
                released.append(lease)
                continue
            }
            do {
                if case .certificate(let certificate) = item.effect, let folder = configuration.certificatesFolder {
                    let campaignFolder = (folder as NSString).appendingPathComponent(
                        Certificate.safeFileName(item.campaignID))
                    let seal = sealing ? try await service.auditSeal(of: item.eventID) : nil
                    try CertificateFiles.write(certificate, into: campaignFolder, seal: seal)
                }
            } catch {
                failed(item, StoreMessages.describe(error), moment: moment)
                released.append(lease)
                continue
            }
            lines += OutboxDocument.json(item, idempotencyKey: lease.idempotencyKey).rendered(pretty: false) + "\n"
            delivered.append(lease)
        }
        if let webhooks = configuration.webhooks, !delivered.isEmpty {
            delivered = await post(delivered, to: webhooks, released: &released, now: now, moment: moment)
        }
        if let file = configuration.outboxFile, !delivered.isEmpty {
            do {
                try Self.append(lines, to: file)
            } catch {
                for lease in delivered {
                    failed(
                        lease.item, "cannot append to the outbox file '\(file)': \(StoreMessages.describe(error))",
                        moment: moment)
                }
                _ = try await service.settleOutbox(delivered: [], released: leases, at: now)
                return
            }
        }
        for lease in delivered {
            let item = lease.item
            let failures = retries.withLock { $0.outbox.count > 0 ? $0.outbox.succeeded(item.sequence) : 0 }
            logger.notice(
                "\(Escaping.line(OutboxDocument.text(item.effect)))\(failures > 0 ? " (delivered after \(failures.counted("failed try", "failed tries")))" : "")",
                metadata: ["campaign": .string(item.campaignID), "outbox": .stringConvertible(item.sequence)])
        }
        let accepted = Set(try await service.settleOutbox(delivered: delivered, released: released, at: now))
        metrics.outboxDelivered(accepted.count)
        for lease in delivered where !accepted.contains(lease.item.sequence) {
            // This daemon held the item past its lease and another took it over: both delivered
            // it, under the same idempotency key; the other's report stands.
            logger.warning(
                "an item this daemon delivered late was taken over by another daemon; the receiver sees it twice under one idempotency key",
                metadata: [
                    "campaign": .string(lease.item.campaignID), "outbox": .stringConvertible(lease.item.sequence),
                    "idempotency_key": .string(lease.idempotencyKey),
                ])
        }
    }

    /// POSTs the items to the webhooks, 16 at a time; returns those every endpoint took, and
    /// adds the others to `released` (tried again after a growing delay).
    private func post(
        _ leases: [OutboxLease], to webhooks: WebhookConfiguration, released: inout [OutboxLease], now: Instant,
        moment: Double
    ) async -> [OutboxLease] {
        let sender = WebhookSender(configuration: webhooks)
        var outcomes: [Int64: String?] = [:]
        var start = 0
        while start < leases.count {
            let slice = leases[start..<min(start + 16, leases.count)]
            await withTaskGroup(of: (Int64, String?).self) { group in
                for lease in slice {
                    group.addTask {
                        let body = OutboxDocument.json(lease.item, idempotencyKey: lease.idempotencyKey)
                            .rendered(pretty: false)
                        do {
                            try await sender.deliver(body: body, idempotencyKey: lease.idempotencyKey, timestamp: now)
                            return (lease.item.sequence, nil)
                        } catch {
                            return (lease.item.sequence, "\(error)")
                        }
                    }
                }
                for await (sequence, failure) in group { outcomes[sequence] = failure }
            }
            start += 16
        }
        var taken: [OutboxLease] = []
        for lease in leases {
            if let failure = outcomes[lease.item.sequence] ?? nil {
                // A delivery cut short by shutdown is not the endpoint's failure: it goes back quietly.
                if !Task.isCancelled { failed(lease.item, failure, moment: moment) }
                released.append(lease)
            } else {
                taken.append(lease)
            }
        }
        return taken
    }

    private func failed(_ item: OutboxItem, _ message: String, moment: Double) {
        metrics.outboxFailed()
        guard retries.withLock({ $0.outbox.failed(item.sequence, error: message, now: moment) }) else { return }
        logger.error(
            "outbox item could not be delivered; trying it again later, with growing delays",
            metadata: [
                "campaign": .string(item.campaignID), "outbox": .stringConvertible(item.sequence),
                "error": .string(message),
            ])
    }

    static func append(_ text: String, to file: String) throws {
        let descriptor = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            written += count
        }
    }
}
