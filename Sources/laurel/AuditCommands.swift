import ArgumentParser
import Foundation
import LaurelCore
import LaurelSQLite
import LaurelService
import LaurelStore

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The tamper-evident audit log: make its signing key, sign a checkpoint, verify it, prove an event.",
        discussion: """
            Every change (through the HTTP API, a laurel command or the daemon's timers) is an audit \
            record written in the same transaction: who, in which role, from where, what, on which \
            campaign version. Records are leaves of a Merkle tree (RFC 9162); checkpoints sign its size \
            and root with an Ed25519 key kept outside the database ('laurel serve --audit-key FILE' signs \
            one every few seconds and publishes it through the outbox). docs/operations.md, "The audit log".
            """,
        subcommands: [Key.self, Checkpoint.self, Verify.self, Prove.self, Erase.self]
    )

    struct Key: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the Ed25519 key that signs checkpoints: FILE (owner-only) and its public half FILE.pub.")

        @Option(
            help: ArgumentHelp("Where to write the private key; never inside the database's folder.", valueName: "file")
        )
        var out: String

        @Option var format: OutputFormat = .text

        func run() throws {
            let signer = try AuditSigner.generate(into: out)
            emit(
                format,
                text: """
                    Wrote the audit signing key to \(out) (readable by its owner only) and its public key to \(out).pub.
                    Key id \(signer.publicKey.keyID). Keep a copy of \(out) somewhere safe; give \(out).pub to whoever verifies.
                    """,
                json: .object([
                    ("key_file", .string(out)), ("public_key_file", .string(out + ".pub")),
                    ("key_id", .string(signer.publicKey.keyID)),
                ]))
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a checkpoint now over every record not yet in one, and publish it through the outbox.")

        @Option(help: ArgumentHelp("The signing key 'laurel audit key' made.", valueName: "file"))
        var key: String

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            let signer = try AuditSigner.load(key)
            try await store.withService(.write) { service in
                guard let checkpoint = try await service.checkpointAudit(signer: signer, now: wallClock()) else {
                    let latest = try await service.auditRecords(fromLeaf: 0, limit: 0).checkpoints.last
                    throw LaurelError(
                        .conflict,
                        "no checkpoint was made: every record is in one already"
                            + (latest.map { " (the latest has \($0.size) records)" } ?? " (the log is empty)"))
                }
                emit(
                    format,
                    text: "Signed a checkpoint of \(checkpoint.size) records:\n"
                        + PublishedCheckpoint(checkpoint).text,
                    json: .object([
                        ("size", .number(Double(checkpoint.size))),
                        ("checkpoint", .string(PublishedCheckpoint(checkpoint).text)),
                    ]))
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every record, every checkpoint's signature and root, and consistency between them.",
            discussion: """
                Exits 0 when the log is whole, 1 naming each record, checkpoint or event that is not. \
                --published adds checkpoints kept outside the database (the outbox file, a webhook \
                receiver's log, the text printed on a certificate): a log cut short behind one shows.
                """
        )

        @Option(
            help: ArgumentHelp(
                "The public key to trust (FILE.pub, or the private key file).", valueName: "file"))
        var key: String

        @Option(
            help: ArgumentHelp(
                "A file holding published checkpoints (repeatable).", valueName: "file"))
        var published: [String] = []

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            let trusted = try AuditPublicKey.load(key)
            var checkpoints: [PublishedCheckpoint] = []
            for file in published {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw LaurelError(.invalidRequest, "--published: cannot read \(file)")
                }
                let found = PublishedCheckpoint.all(in: text)
                guard !found.isEmpty else {
                    throw LaurelError(
                        .invalidRequest,
                        "--published: \(file) holds no checkpoint (each begins with the line 'laurel audit log')")
                }
                checkpoints += found
            }
            let result = try await store.withService(.read) { service in
                try await service.verifyAudit(trusting: trusted, published: checkpoints)
            }
            var lines: [String] = []
            if result.isIntact {
                lines.append(
                    "The audit log is intact: \(result.records.counted("record", "records")), \(result.placed) in \(result.checkpoints.counted("checkpoint", "checkpoints")) signed by key \(result.keyID); \(result.events.counted("event", "events")) in the log, each covered by its record."
                )
            } else {
                lines.append("The audit log does NOT verify: \(result.problems.count.counted("problem", "problems")).")
                lines += result.problems.prefix(50).map { "  " + Escaping.line($0) }
                if result.problems.count > 50 {
                    lines.append("  … and \(result.problems.count - 50) more (--format json lists all)")
                }
            }
            if result.checkpoints > 0 { lines.append("Latest checkpoint: size \(result.size), root \(result.root).") }
            if result.records > result.placed {
                let waiting = result.records - result.placed
                lines.append(
                    "\(waiting.counted("record", "records")) \(waiting == 1 ? "waits" : "wait") for the next checkpoint."
                )
            }
            if result.published > 0 { lines.append("Checked against \(result.published) published checkpoints.") }
            if result.eventsBeforeLog > 0 {
                lines.append(
                    "\(result.eventsBeforeLog) events were logged before the audit log began; no record covers them.")
            }
            emit(format, text: lines.joined(separator: "\n"), json: try JSONValue(encoding: result))
            if !result.isIntact { throw ExitCode(1) }
        }
    }

    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the proof that an event is in the audit log, checked against the trusted key.")

        @Argument(help: ArgumentHelp("The event's id, as 'laurel campaign history' shows it.", valueName: "event-id"))
        var event: String

        @Option(help: ArgumentHelp("The public key to trust (FILE.pub, or the private key file).", valueName: "file"))
        var key: String

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            let trusted = try AuditPublicKey.load(key)
            let proof = try await store.withService(.read) { service in
                try await service.proveAudit(event: event, trusting: trusted)
            }
            emit(
                format,
                text: """
                    Event \(proof.event) (campaign \(proof.campaign)) is event \(proof.eventIndex + 1) of \(proof.eventCount) in audit record at leaf \(proof.leafIndex):
                    \(Escaping.line(proof.record))
                    Events root \(proof.eventsRoot); event leaf \(proof.eventLeafHash); path \(proof.eventPath.isEmpty ? "(none: the only event)" : proof.eventPath.joined(separator: " "))
                    Leaf \(proof.leafHash) in the tree of \(proof.treeSize) records; audit path (RFC 9162):
                    \(proof.path.isEmpty ? "  (none: the only record)" : proof.path.map { "  " + $0 }.joined(separator: "\n"))
                    Signed checkpoint:
                    \(proof.checkpoint)\(proof.verified ? "The proof verifies against key \(trusted.keyID)." : "The proof does NOT verify against key \(trusted.keyID): run 'laurel audit verify'.")
                    """,
                json: try JSONValue(encoding: proof))
            if !proof.verified { throw ExitCode(1) }
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget who a person was in the audit log; every record stays whole and verifiable.",
            discussion: """
                The records hold people only as salted hashes; this removes the person's id, address and \
                salt kept beside them, so the hashes can no longer be tied to the person.
                """
        )

        @Argument(help: ArgumentHelp("The person's id.", valueName: "person"))
        var person: String

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            let erased = try await store.withService(.write) { service in
                try await service.eraseFromAudit(person: person)
            }
            guard erased > 0 else {
                throw LaurelError(.notFound, "no audit record names '\(person)'; nothing was erased")
            }
            emit(
                format,
                text:
                    "Erased \(person) from \(erased.counted("audit record", "audit records")); the log still verifies.",
                json: .object([("person", .string(person)), ("records", .number(Double(erased)))]))
        }
    }
}
