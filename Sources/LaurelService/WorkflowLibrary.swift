import Foundation
public import LaurelCore
import LaurelStore
import LaurelYAML

/// The workflow files of a folder, validated, with the version of each workflow that new
/// campaigns start on.
///
/// A file that fails validation is reported with its diagnostics and the last good version of
/// its workflow stays in force; a file that validates is recorded in the store by content hash
/// (so campaigns started on it can always run) and becomes the current version.
public struct WorkflowLibrary: Sendable {
    public struct Current: Sendable, Hashable {
        public var workflowID: String
        public var version: String
        public var file: String
    }

    /// What one scan found, for the log.
    public enum Change: Sendable {
        case loaded(file: String, workflowID: String, version: String, warnings: [Diagnostic])
        case rejected(file: String, diagnostics: [Diagnostic], keeping: String?)
        case removed(file: String)
    }

    public let folder: String
    public let registry: PluginRegistry
    /// Current version per workflow id.
    public private(set) var current: [String: Current] = [:]
    /// Per file: the hash of the bytes last read and what validating them gave, so an unchanged
    /// file is not validated again.
    private var read: [String: (hash: String, result: ValidationResult)] = [:]
    /// Per file: what the last scan decided (loaded with its hash, or rejected with its errors),
    /// so a change is reported once.
    private var verdicts: [String: String] = [:]
    /// Which workflow id each file held when it last validated.
    private var workflowOfFile: [String: String] = [:]

    public init(folder: String, registry: PluginRegistry) {
        self.folder = folder
        self.registry = registry
    }

    /// The YAML files of the folder, sorted.
    public func files() throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LaurelError(
                .invalidRequest,
                "the workflows folder '\(folder)' does not exist; pass --workflows DIR, the folder the daemon reads")
        }
        return try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
            .map { (folder as NSString).appendingPathComponent($0) }
    }

    /// Reads every file whose bytes changed since the last scan, checks the files together
    /// (``WorkflowSetChecker``: one id per file, a cascade's children present), and returns what
    /// changed. Two files with one id are both rejected: the id's last good version stays. The
    /// versions loaded are recorded in the service's store in one transaction; if that fails,
    /// the library is left as it was and the next scan tries again.
    public mutating func scan(recordingIn service: CampaignService, now: Instant) async throws -> [Change] {
        var changes: [Change] = []
        var read = self.read
        var verdicts = self.verdicts
        var current = self.current
        var workflowOfFile = self.workflowOfFile
        var versions: [WorkflowVersion] = []
        let files = try files()
        var bytesOf: [String: [UInt8]] = [:]
        for file in files {
            // Only regular files up to the workflow size bound: a pipe or a device in the folder
            // must not hang or flood the daemon.
            let attributes = try? FileManager.default.attributesOfItem(atPath: file)
            guard attributes?[.type] as? FileAttributeType == .typeRegular,
                (attributes?[.size] as? Int ?? 0) <= YAMLLimits.workflowFile.maxBytes,
                let data = FileManager.default.contents(atPath: file)
            else { continue }
            let bytes = Array(data)
            let hash = SHA256.hex(bytes)
            bytesOf[file] = bytes
            if read[file]?.hash != hash {
                read[file] = (hash, WorkflowValidator(registry: registry).validate(bytes, file: file, now: now))
            }
        }
        let valid = files.compactMap { file in read[file]?.result.workflow.map { (workflow: $0, file: file) } }
        let across = WorkflowSetChecker(registry: registry).check(valid)
        for file in files {
            guard let bytes = bytesOf[file], let (hash, result) = read[file] else {
                let verdict = "unreadable"
                if verdicts.updateValue(verdict, forKey: file) != verdict {
                    let problem = Diagnostic(
                        .error, .unreadableFile,
                        "the file cannot be read: it is not a regular file, it is larger than 4 MB, or it may not be read",
                        at: SourceLocation(file: file, line: 1, column: 1))
                    changes.append(
                        .rejected(
                            file: file, diagnostics: [problem],
                            keeping: workflowOfFile[file].flatMap { current[$0]?.version }))
                }
                continue
            }
            let diagnostics = (result.diagnostics + across.filter { $0.location.file == file }).sortedByLocation()
            guard let workflow = result.workflow, !diagnostics.hasErrors else {
                let verdict =
                    "rejected " + hash
                    + diagnostics.filter { $0.severity == .error }.map(\.message).joined(separator: "\n")
                if verdicts.updateValue(verdict, forKey: file) != verdict {
                    let keeping = workflowOfFile[file].flatMap { current[$0]?.version }
                    changes.append(.rejected(file: file, diagnostics: diagnostics, keeping: keeping))
                }
                continue
            }
            let verdict = "loaded " + hash
            guard verdicts.updateValue(verdict, forKey: file) != verdict else { continue }
            versions.append(
                WorkflowVersion(hash: hash, workflowID: workflow.id, file: file, source: bytes, recordedAt: now))
            current[workflow.id] = Current(workflowID: workflow.id, version: hash, file: file)
            workflowOfFile[file] = workflow.id
            changes.append(
                .loaded(
                    file: file, workflowID: workflow.id, version: hash,
                    warnings: diagnostics.filter { $0.severity == .warning }))
        }
        for file in verdicts.keys.sorted() where !files.contains(file) {
            verdicts[file] = nil
            read[file] = nil
            changes.append(.removed(file: file))
        }
        if !versions.isEmpty {
            let actor = AuditActor.current
            try await service.writeWithFamily(now: now) { [versions] transaction in
                for version in versions where try transaction.workflowVersion(hash: version.hash) == nil {
                    try transaction.record(version)
                    try transaction.appendAudit([
                        AuditTrail.record(
                            "workflow.record", by: actor, at: now,
                            details: [
                                ("workflow", .string(version.workflowID)), ("version", .string(version.hash)),
                                ("file", .string(version.file)),
                            ])
                    ])
                }
            }
        }
        (self.read, self.verdicts, self.current, self.workflowOfFile) = (read, verdicts, current, workflowOfFile)
        return changes
    }

    /// The version new campaigns of `workflowID` start on: the current file's, or else the most
    /// recent one the store has (a command run while the file is broken or gone).
    public func version(of workflowID: String, in service: CampaignService) async throws -> String {
        if let current = current[workflowID] { return current.version }
        let stored = try await service.reading { try $0.latestWorkflowVersions() }
        if let version = stored.first(where: { $0.workflowID == workflowID }) { return version.hash }
        let known = Array(current.keys) + stored.map(\.workflowID)
        throw LaurelError(
            .notFound,
            "there is no workflow '\(workflowID)'\(Suggestions.didYouMean(workflowID, in: Array(Set(known)).sorted()))")
    }
}
