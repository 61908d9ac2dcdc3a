import ArgumentParser
import Foundation
import LaurelCore
import LaurelPlugins
import LaurelService
import LaurelYAML

extension Laurel {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check workflow files and report every problem with its file, line and column.",
            discussion: """
                Exits with 0 when no file has an error (warnings allowed), 1 when some file has an \
                error, and 2 when the command line is wrong.
                """
        )

        @Argument(help: "Workflow files, or folders searched for *.yaml and *.yml files.", completion: .file())
        var paths: [String] = ["workflows"]

        @Option(help: "How to print the diagnostics: text for people, json for programs.")
        var format: OutputFormat = .text

        @Option(
            name: .customLong("as-of"),
            help: ArgumentHelp("Judge deadlines against this date or date-time instead of now.", valueName: "date"))
        var asOf: String?

        func validate() throws {
            if let asOf, case .failure(let failure) = DateText.parseDateTime(asOf) {
                throw ValidationError("--as-of: \(failure.message)")
            }
        }

        func run() throws {
            let files = try WorkflowFiles.collect(paths)
            let now = referenceInstant()
            let validator = WorkflowValidator(registry: BuiltInPlugins.registry)
            var renderer = DiagnosticRenderer()
            var all: [Diagnostic] = []
            var set: [(workflow: Workflow, file: String)] = []
            for file in files {
                let diagnostics: [Diagnostic]
                switch WorkflowFiles.read(file) {
                case .success(let bytes):
                    let result = validator.validate(bytes, file: file, now: now)
                    diagnostics =
                        result.diagnostics + (result.workflow.map { Self.organisationProblems($0, file: file) } ?? [])
                    if let workflow = result.workflow { set.append((workflow, file)) }
                    renderer.addSource(String(decoding: bytes, as: UTF8.self), file: file)
                case .failure(let diagnostic):
                    diagnostics = [diagnostic]
                }
                all += diagnostics
            }
            // Across files: the files beside those checked run with them in the daemon's folder.
            let checked = Set(files)
            for file in WorkflowFiles.besides(files) where !checked.contains(file) {
                if case .success(let bytes) = WorkflowFiles.read(file),
                    let workflow = validator.validate(bytes, file: file).workflow
                {
                    set.append((workflow, file))
                }
            }
            all = (all + WorkflowSetChecker(registry: BuiltInPlugins.registry).check(set, reportFor: checked))
                .sortedByLocation()
            switch format {
            case .json:
                print(DiagnosticRenderer.json(all).rendered())
            case .text:
                print(renderer.text(all), terminator: "")
                print(summary(files: files.count, all))
            }
            if all.hasErrors { throw ExitCode.inputErrors }
        }

        /// What `laurel validate FILE` adds to the file's own diagnostics: its organisation files
        /// must be readable, and it must fit beside the workflow files of its folder on disk. The
        /// language server checks an editor's buffer with this, so both say the same.
        static func besides(_ workflow: Workflow?, file: String, validator: WorkflowValidator) -> [Diagnostic] {
            guard let workflow else { return [] }
            var set: [(workflow: Workflow, file: String)] = [(workflow, file)]
            for other in WorkflowFiles.besides([file]) where other != file {
                if case .success(let bytes) = WorkflowFiles.read(other),
                    let found = validator.validate(bytes, file: other).workflow
                {
                    set.append((found, other))
                }
            }
            return organisationProblems(workflow, file: file)
                + WorkflowSetChecker(registry: validator.registry).check(set, reportFor: [file])
        }

        /// A workflow's organisation files (`organisation:`) must be there to read.
        private static func organisationProblems(_ workflow: Workflow, file: String) -> [Diagnostic] {
            zip(workflow.organisationFiles, OrganisationFiles.named(by: workflow, file: file)).compactMap {
                written, path in
                guard case .failure(let failure) = ReadableFile.read(path) else { return nil }
                return Diagnostic(
                    .error, .unreadableFile,
                    "the organisation file '\(written.value)' cannot be read: \(failure.reason)",
                    at: written.location, notes: [.init("the path is relative to this workflow file")])
            }
        }

        private func referenceInstant() -> Int64 {
            if let asOf, case .success(let spec) = DateText.parseDateTime(asOf) {
                return TimeZones.instant(of: spec, endOfDay: false, in: "UTC") ?? 0
            }
            return Int64(Date().timeIntervalSince1970)
        }

        private func summary(files: Int, _ diagnostics: [Diagnostic]) -> String {
            let checked = "Checked \(files) file\(files == 1 ? "" : "s")"
            guard !diagnostics.isEmpty else { return "\(checked): no problems." }
            let errors = diagnostics.errorCount
            let warnings = diagnostics.warningCount
            return
                "\(checked): \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")."
        }
    }
}

/// Finding and reading workflow files named on the command line.
enum WorkflowFiles {
    /// The files named, with folders expanded to their *.yaml and *.yml files in name order.
    static func collect(_ paths: [String]) throws -> [String] {
        let manager = FileManager.default
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw LaurelError(.invalidRequest, "no such file or folder: '\(path)'")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let found = (manager.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
                .map { path.hasSuffix("/") ? path + $0 : path + "/" + $0 }
            guard !found.isEmpty else {
                throw LaurelError(.invalidRequest, "the folder '\(path)' has no workflow files (*.yaml or *.yml)")
            }
            files += found
        }
        return files
    }

    /// The workflow files in the folders of `files`: they run beside them in a daemon's folder.
    static func besides(_ files: [String]) -> [String] {
        let folders = Set(files.map { ($0 as NSString).deletingLastPathComponent })
        return folders.sorted().flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
                .map { folder.isEmpty ? $0 : (folder as NSString).appendingPathComponent($0) }
        }
    }

    static func read(_ path: String) -> Result<[UInt8], Diagnostic> {
        ReadableFile.read(path).mapError { failure in
            .error(
                .unreadableFile, "the file cannot be read: \(failure.reason)", at: .init(file: path, line: 1, column: 1)
            )
        }
    }
}
