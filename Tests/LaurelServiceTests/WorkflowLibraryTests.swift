import Foundation
import LaurelCore
import LaurelSQLite
import LaurelService
import LaurelStore
import LaurelTesting
import Testing

/// The daemon's workflow folder: files read together, so two files with one id and a cascade
/// whose children's workflow is missing are refused with the reason, never chosen in silence.
@Suite struct WorkflowLibraryTests {
    typealias W = TestWorkflows

    static func folder(_ files: [String: String]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "laurel-library-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        return folder
    }

    @Test("two files with one id are both refused, naming each other; the version in force stays")
    func duplicateID() async throws {
        let (store, storeFolder) = try W.store()
        let service = CampaignService(store: store, registry: W.registry)
        defer { try? FileManager.default.removeItem(atPath: storeFolder) }
        let folder = try Self.folder(["quick.yaml": W.quick])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var library = WorkflowLibrary(folder: folder, registry: W.registry)
        _ = try await library.scan(recordingIn: service, now: W.may1)
        let original = try #require(library.current["quick"]?.version)
        // A backup copy, edited, lands beside it: it sorts after the original.
        try Data(W.quick.replacingOccurrences(of: "target: 3", with: "target: 9").utf8).write(
            to: URL(fileURLWithPath: folder + "/quick-copy.yaml"))
        let changes = try await library.scan(recordingIn: service, now: W.may1 + 1)
        let rejected = changes.compactMap { change -> (String, [Diagnostic])? in
            if case .rejected(let file, let diagnostics, _) = change { return (file, diagnostics) } else { return nil }
        }
        #expect(rejected.map { ($0.0 as NSString).lastPathComponent }.sorted() == ["quick-copy.yaml", "quick.yaml"])
        #expect(
            rejected.allSatisfy {
                $0.1.contains {
                    $0.code == .duplicateID && $0.message.hasPrefix("the workflow id 'quick' is also the id of")
                }
            })
        #expect(library.current["quick"]?.version == original, "the id's last good version stays in force")
        // Removing the copy puts the original back in force, and says so.
        try FileManager.default.removeItem(atPath: folder + "/quick-copy.yaml")
        let after = try await library.scan(recordingIn: service, now: W.may1 + 2)
        #expect(after.contains { if case .loaded(_, "quick", original, _) = $0 { return true } else { return false } })
    }

    @Test("a cascade whose children's workflow is not in the folder is refused until it is")
    func cascadeChild() async throws {
        let (store, storeFolder) = try W.store()
        let service = CampaignService(store: store, registry: W.registry)
        defer { try? FileManager.default.removeItem(atPath: storeFolder) }
        let folder = try Self.folder(["district.yaml": CascadeTests.parent])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var library = WorkflowLibrary(folder: folder, registry: W.registry)
        let first = try await library.scan(recordingIn: service, now: W.may1)
        guard case .rejected(_, let diagnostics, _)? = first.first else {
            Issue.record("\(first)")
            return
        }
        #expect(
            diagnostics.map(\.message) == [
                "the children's workflow 'grassroots' is not in this folder; add its file beside this one, or correct the id"
            ])
        #expect(library.current["district"] == nil)
        try Data(CascadeTests.child.utf8).write(to: URL(fileURLWithPath: folder + "/grassroots.yaml"))
        let second = try await library.scan(recordingIn: service, now: W.may1 + 1)
        #expect(
            Set(second.compactMap { if case .loaded(_, let id, _, _) = $0 { return id } else { return nil } }) == [
                "district", "grassroots",
            ])
    }
}
