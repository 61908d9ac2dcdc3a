import ArgumentParser
import Foundation
import LaurelCore
import LaurelPlugins
import LaurelService

/// A workflow file read, validated and made ready to run, for the commands that run one.
struct LoadedWorkflow {
    var workflow: Workflow
    var engine: Engine

    /// Prints the file's diagnostics and stops with exit 1 when it has errors (2 when it cannot
    /// be found), as `laurel validate` would.
    static func load(_ path: String) throws -> LoadedWorkflow {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists, isDirectory.boolValue {
            let example = (try? WorkflowFiles.collect([path]).first) ?? nil
            throw LaurelError(
                .invalidRequest,
                "'\(path)' is a folder; this command runs one workflow file"
                    + (example.map { ": name one, like '\($0)'" } ?? ", and the folder has none"))
        }
        guard exists else {
            let folder = (path as NSString).deletingLastPathComponent
            let siblings = WorkflowFiles.besides([path]).map { ($0 as NSString).lastPathComponent }
            let closest = Suggestions.closest(to: (path as NSString).lastPathComponent, in: siblings)
            throw LaurelError(
                .invalidRequest,
                "there is no workflow file '\(path)'"
                    + (closest.map {
                        " (did you mean '\(folder.isEmpty ? $0 : (folder as NSString).appendingPathComponent($0))'?)"
                    } ?? ""))
        }
        let bytes: [UInt8]
        switch WorkflowFiles.read(path) {
        case .success(let read): bytes = read
        case .failure(let diagnostic):
            FileHandle.standardError.write(Data(DiagnosticRenderer().text(diagnostic).utf8))
            throw ExitCode.inputErrors
        }
        let result = WorkflowValidator(registry: BuiltInPlugins.registry).validate(bytes, file: path)
        guard let workflow = result.workflow else {
            var renderer = DiagnosticRenderer()
            renderer.addSource(String(decoding: bytes, as: UTF8.self), file: path)
            FileHandle.standardError.write(
                Data(renderer.text(result.diagnostics.filter { $0.severity == .error }).utf8))
            FileHandle.standardError.write(
                Data("\(path) has errors; fix them first ('laurel validate \(path)').\n".utf8))
            throw ExitCode.inputErrors
        }
        do {
            let engine = try Engine(workflow: workflow, version: SHA256.hex(bytes), registry: BuiltInPlugins.registry)
            return LoadedWorkflow(workflow: workflow, engine: engine)
        } catch {
            throw LaurelError(.invalidInput, "\(path): \(error)")
        }
    }
}
