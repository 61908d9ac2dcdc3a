import Foundation
import GRDB
import LaurelCore
import LaurelSQLite
import LaurelStore
import LaurelTesting
import Testing

/// `laurel audit`: the log written by real commands, signed, verified, proved, and found out
/// when someone changes the database behind Laurel's back.
@Suite("Audit commands", .serialized)
struct AuditCommandTests {
    typealias D = DaemonProcessTests

    /// A database with a launched campaign and one entry, a signing key, a signed checkpoint and
    /// the checkpoint as published; the campaign's entry event is `entry:quick-1:e1`.
    struct Setting {
        var folder: URL
        var database: String
        var key: String
        var published: String

        func laurel(_ arguments: [String]) throws -> CLITests.Run {
            try D.command(arguments, folder, database)
        }

        /// A copy of the database, changed with `sql` as an intruder with the file would.
        func tampered(_ name: String, _ sql: String) throws -> Setting {
            var copy = self
            copy.database = folder.appendingPathComponent("\(name).sqlite").path
            try FileManager.default.copyItem(atPath: database, toPath: copy.database)
            let queue = try DatabaseQueue(path: copy.database)
            try queue.write { try $0.execute(sql: sql) }
            try queue.close()
            return copy
        }
    }

    static func setting() throws -> Setting {
        let (folder, database) = try D.setUp()
        let workflows = folder.appendingPathComponent("workflows").path
        // A day to collect, not two seconds: a loaded machine must not close the phase mid-test.
        try Data(D.workflow.replacingOccurrences(of: "window: PT2S", with: "window: P1D").utf8).write(
            to: folder.appendingPathComponent("workflows/quick.yaml"))
        let key = folder.appendingPathComponent("audit.key").path
        let published = folder.appendingPathComponent("published.txt").path
        let setting = Setting(folder: folder, database: database, key: key, published: published)
        #expect(try setting.laurel(["campaign", "start", "quick", "--workflows", workflows]).status == 0)
        #expect(try setting.laurel(["campaign", "send", "quick-1", "launch"]).status == 0)
        let entry = try setting.laurel([
            "entry", "submit", "quick-1", "--kind", "idea", "--id", "a", "--field", "title=Sáng kiến A",
            "--idempotency-key", "e1",
        ])
        #expect(entry.status == 0, "\(entry.stderr)")
        let made = try CLITests.laurel(["audit", "key", "--out", key])
        #expect(made.status == 0 && made.stdout.contains("Key id"), "\(made.stderr)")
        let checkpoint = try setting.laurel(["audit", "checkpoint", "--key", key])
        #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
        try Data(checkpoint.stdout.utf8).write(to: URL(fileURLWithPath: published))
        return setting
    }

    static func records(_ database: String) async throws -> [[String: Any]] {
        let store = try SQLiteStore(path: database, registry: D.registry)
        return try await store.read { try $0.auditRecords(fromLeaf: 0, limit: 1_000) }.map {
            try JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] ?? [:]
        }
    }

    @Test(
        "each command's change is a record naming the operator as a hash and the command; a checkpoint signs them; verify passes; a proof of the entry checks by hand; a second key or checkpoint is refused"
    )
    func recordedSignedAndProved() async throws {
        let setting = try Self.setting()
        defer { try? FileManager.default.removeItem(at: setting.folder) }
        let records = try await Self.records(setting.database)
        let actions = records.map { $0["action"] as? String ?? "" }
        #expect(actions == ["workflow.record", "campaign.start", "campaign.command", "campaign.submit"], "\(actions)")
        let submit = try #require(records.last)
        let actor = try #require(submit["actor"] as? [String: Any])
        #expect(actor["role"] as? String == "operator" && actor["origin"] as? String == "cli laurel entry submit")
        let account = ProcessInfo.processInfo.userName
        #expect((actor["person"] as? String)?.count == 64, "the account, hashed")
        #expect(actor["person"] as? String != account, "never the account itself")
        #expect((submit["events"] as? [String: Any])?["first"] as? String == "entry:quick-1:e1")

        let again = try CLITests.laurel(["audit", "key", "--out", setting.key])
        #expect(again.status == 1 && again.stderr.contains("exists already"), "\(again.stderr)")
        let nothing = try setting.laurel(["audit", "checkpoint", "--key", setting.key])
        #expect(nothing.status == 1 && nothing.stderr.contains("no checkpoint was made"), "\(nothing.stderr)")

        let verified = try setting.laurel([
            "audit", "verify", "--key", setting.key + ".pub", "--published", setting.published, "--format", "json",
        ])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any])
        #expect(result["intact"] as? Bool == true && result["records"] as? Int == 4 && result["size"] as? Int == 4)
        #expect(result["events"] as? Int == 3 && result["published"] as? Int == 1)

        let proved = try setting.laurel([
            "audit", "prove", "entry:quick-1:e1", "--key", setting.key + ".pub", "--format", "json",
        ])
        #expect(proved.status == 0, "\(proved.stderr)")
        let proof = try #require(try JSONSerialization.jsonObject(with: Data(proved.stdout.utf8)) as? [String: Any])
        #expect(
            proof["verified"] as? Bool == true && proof["leaf_index"] as? Int == 3 && proof["tree_size"] as? Int == 4)
        // The proof checked here from its parts alone, as a third party would.
        let body = try #require(proof["record"] as? String)
        let path = try #require(proof["path"] as? [String]).map(Self.bytes)
        #expect(
            MerkleTree.verifyInclusion(
                leaf: MerkleTree.leafHash(Array(body.utf8)), index: 3, size: 4, proof: path,
                root: Self.bytes(try #require(proof["root"] as? String))))
        #expect((proof["checkpoint"] as? String)?.hasPrefix("laurel audit log\nsize 4\n") == true)

        let unknown = try setting.laurel(["audit", "prove", "entry:quick-1:nope", "--key", setting.key])
        #expect(unknown.status == 1 && unknown.stderr.contains("there is no event"), "\(unknown.stderr)")
        // A change after the checkpoint: recorded, verified, but not yet provable.
        let later = try setting.laurel([
            "entry", "submit", "quick-1", "--kind", "idea", "--id", "b", "--field", "title=B", "--idempotency-key",
            "e2",
        ])
        #expect(later.status == 0, "\(later.stderr)")
        let waiting = try setting.laurel(["audit", "prove", "entry:quick-1:e2", "--key", setting.key])
        #expect(waiting.status == 1 && waiting.stderr.contains("no checkpoint has signed yet"), "\(waiting.stderr)")
        let stillIntact = try setting.laurel(["audit", "verify", "--key", setting.key])
        #expect(stillIntact.status == 0)
        #expect(stillIntact.stdout.contains("1 record waits for the next checkpoint"), "\(stillIntact.stdout)")
    }

    @Test(
        "verify names what was changed: a byte of a record, a record removed, an event changed, a checkpoint under another key; a log cut behind a published checkpoint shows against it; an erasure keeps the log intact"
    )
    func tamperingFound() async throws {
        let setting = try Self.setting()
        defer { try? FileManager.default.removeItem(at: setting.folder) }
        func verify(_ tampered: Setting, published: Bool = false) throws -> CLITests.Run {
            try tampered.laurel(
                ["audit", "verify", "--key", setting.key + ".pub"]
                    + (published ? ["--published", setting.published] : []))
        }

        let byte = try verify(
            try setting.tampered(
                "byte",
                "UPDATE audit_record SET body = CAST(replace(CAST(body AS TEXT), 'quick-1', 'quick-2') AS BLOB) WHERE sequence = 3"
            ))
        #expect(byte.status == 1)
        #expect(byte.stdout.contains("audit record 3 (leaf 2) was changed after it was written"), "\(byte.stdout)")
        #expect(byte.stdout.contains("checkpoint 4"), "the signed root no longer matches")

        let removed = try verify(try setting.tampered("removed", "DELETE FROM audit_record WHERE sequence = 2"))
        #expect(removed.status == 1)
        #expect(removed.stdout.contains("leaf 1 of the audit log is missing"), "\(removed.stdout)")

        let event = try verify(
            try setting.tampered(
                "event", "UPDATE event SET summary = summary || ' (edited)' WHERE id = 'entry:quick-1:e1'"))
        #expect(event.status == 1)
        #expect(
            event.stdout.contains("the events audit record 4 covers (entry:quick-1:e1"), "\(event.stdout)")

        // The last change cut away whole: its record, its event, every checkpoint that signed it.
        let cut = try setting.tampered(
            "cut",
            """
            DELETE FROM audit_record WHERE sequence = 4; DELETE FROM audit_checkpoint;
            DELETE FROM event WHERE id = 'entry:quick-1:e1';
            """)
        #expect(try verify(cut).status == 0, "what the database holds agrees with itself")
        let against = try verify(cut, published: true)
        #expect(against.status == 1)
        #expect(
            against.stdout.contains("the published checkpoint 4 covers 4 records, but the log has 3"),
            "\(against.stdout)")

        let otherKey = setting.folder.appendingPathComponent("other.key").path
        #expect(try CLITests.laurel(["audit", "key", "--out", otherKey]).status == 0)
        let foreign = try setting.laurel(["audit", "verify", "--key", otherKey + ".pub"])
        #expect(foreign.status == 1 && foreign.stdout.contains("not the trusted key"), "\(foreign.stdout)")

        let account = ProcessInfo.processInfo.userName
        let erased = try setting.laurel(["audit", "erase", account])
        #expect(
            erased.status == 0 && erased.stdout.contains("from 4 audit records"), "\(erased.stdout) \(erased.stderr)")
        #expect(try verify(setting, published: true).status == 0, "the hashes stay, the log verifies")
        let none = try setting.laurel(["audit", "erase", account])
        #expect(none.status == 1 && none.stderr.contains("nothing was erased"), "\(none.stderr)")
    }

    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }
}
