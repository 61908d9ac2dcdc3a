import ArgumentParser
import Foundation
import LaurelCore
import LaurelDaemon
import LaurelPlugins
import LaurelSQLite
import LaurelService
import LaurelStore

/// The database of the HTTP load benchmark (Benchmarks/http-load.sh): a district's campaign of
/// `--entries` entries collecting more, campaigns whose deadlines fall due while the load runs (so
/// the daemon fires timers meanwhile), and a unit officer's token.
struct HTTPLoadSetup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http-setup",
        abstract: "Make the HTTP load benchmark's SQLite database and its unit officer's token."
    )

    @Option(help: "The database file to create (it must not exist).")
    var database: String

    @Option(help: "Entries the campaign holds before the load.")
    var entries = 100_000

    @Option(help: "Campaigns whose deadline falls due during the load, one timer each.")
    var timers = 20_000

    @Option(help: "Seconds from now over which those deadlines fall due, evenly.")
    var over = 60

    @Option(help: "Seconds from now to the first deadline.")
    var after = 5

    @Option(help: "Where to write the unit officer's token.")
    var tokenFile: String

    @Option(help: "The folder of the benchmark's workflows.")
    var workflows = "Benchmarks/workflows"

    func validate() throws {
        guard !FileManager.default.fileExists(atPath: database) else {
            throw ValidationError("\(database) exists; name a new file")
        }
        guard entries >= 0, timers >= 0, over >= 1, after >= 0 else {
            throw ValidationError("--entries and --timers must be 0 or more, --over at least 1")
        }
    }

    func run() throws {
        try runBlocking { try await self.setUp() }
    }

    func setUp() async throws {
        let registry = BuiltInPlugins.registry
        let store = try SQLiteStore(path: database, registry: registry)
        let service = CampaignService(store: store, registry: registry)
        var reader = OrganisationReader()
        reader.read(
            yaml: Array(try Data(contentsOf: URL(fileURLWithPath: "organisations/nam-tu-liem-sample.yaml"))),
            file: "organisations/nam-tu-liem-sample.yaml")
        guard let organisation = reader.finish().organisation else {
            throw ValidationError("the sample organisation has errors")
        }
        try await service.replaceOrganisation(organisation, now: DaemonClock.system.now())
        let now = DaemonClock.system.now()
        var versions: [String: (WorkflowVersion, Engine)] = [:]
        for id in ["http-submissions", "timer-burst"] {
            let file = "\(workflows)/\(id).yaml"
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            let version = WorkflowVersion(
                hash: SHA256.hex(bytes), workflowID: id, file: file, source: bytes, recordedAt: now)
            guard let workflow = WorkflowValidator(registry: registry).validate(bytes, file: file).workflow else {
                throw ValidationError("\(file) is not valid")
            }
            try await store.write { try $0.record(version) }
            versions[id] = (version, try Engine(workflow: workflow, version: version.hash, registry: registry))
        }

        let units = ["cd-my-dinh-1", "cd-xuan-phuong", "cd-dai-mo", "cd-ang-tu"]
        let started = try await service.start(
            version: versions["http-submissions"]!.0.hash, inputs: ["unit": .text("nam-tu-liem")],
            idempotencyKey: nil, now: now)
        let campaign = started.campaignID
        _ = try await service.apply(.command("launch"), to: campaign, eventID: "launch:\(campaign)", now: now)
        var csv = "id,kind,title,unit,savings\n"
        for index in 0..<entries {
            csv += "before-\(index),initiative,Sáng kiến \(index),\(units[index % units.count]),\(index * 10)\n"
        }
        if entries > 0 {
            _ = try await service.importEntries(
                csv: Array(csv.utf8), file: "before.csv", into: campaign, kind: nil, now: now)
        }

        try await TimerCampaigns.start(timers, engine: versions["timer-burst"]!.1, workflowID: "timer-burst", in: store)
        {
            index in now + Instant(after) + Instant(index * over / max(timers, 1))
        }
        if timers > 0 {
            try await store.write { try $0.restore(.campaignNumber(workflowID: "timer-burst", last: timers)) }
        }

        let issued = try await service.grantAccess(
            person: "nguyen-van-an", role: .unitOfficer, unit: "cd-my-dinh-1", council: nil, lifetime: nil,
            grantedBy: "http-setup", now: now)
        try Data(issued.secret.utf8).write(to: URL(fileURLWithPath: tokenFile))
        print(
            "SETUP campaign=\(campaign) unit=cd-my-dinh-1 entries=\(entries) timers=\(timers) first_due_s=\(after) over_s=\(over)"
        )
    }
}
