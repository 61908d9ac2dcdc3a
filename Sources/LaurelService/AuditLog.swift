import Foundation
public import LaurelCore
public import LaurelStore

/// A checkpoint's signed text: the log's size and Merkle root when it was signed, and by which
/// key. Plain lines, so a person can read what a certificate or a notice board shows:
///
///     laurel audit log
///     size 1204
///     root 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328
///     signed 2026-12-05T03:10:00Z
///     key 3f1c0e9a7b5d2e41
public struct AuditNote: Sendable, Hashable {
    public var size: Int64
    public var root: [UInt8]
    public var signedAt: Instant
    public var keyID: String

    public init(size: Int64, root: [UInt8], signedAt: Instant, keyID: String) {
        self.size = size
        self.root = root
        self.signedAt = signedAt
        self.keyID = keyID
    }

    static let heading = "laurel audit log"

    public var text: String {
        """
        \(Self.heading)
        size \(size)
        root \(AuditTrail.hex(root))
        signed \(ZonedCalendar.utcTimestamp(signedAt))
        key \(keyID)

        """
    }

    /// The note of a text ``text`` wrote; nil for anything else. The instant is read back from
    /// the stored checkpoint, not from the text.
    static func fields(of text: String) -> (size: Int64, root: [UInt8], keyID: String)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 5, lines[0] == heading, lines[1].hasPrefix("size "), lines[2].hasPrefix("root "),
            lines[4].hasPrefix("key "), let size = Int64(lines[1].dropFirst(5)),
            let root = AuditTrail.bytes(hex: String(lines[2].dropFirst(5))), root.count == 32
        else { return nil }
        return (size, root, String(lines[4].dropFirst(4)))
    }
}

/// A checkpoint as it was published (through the outbox, on a certificate): its note and the
/// signature line, `signature BASE64`.
public struct PublishedCheckpoint: Sendable, Hashable {
    public var note: String
    public var signature: [UInt8]

    public init(note: String, signature: [UInt8]) {
        self.note = note
        self.signature = signature
    }

    public init(_ checkpoint: AuditCheckpoint) {
        self.init(note: checkpoint.note, signature: checkpoint.signature)
    }

    public var text: String { note + "signature \(Data(signature).base64EncodedString())\n" }

    /// Every checkpoint in a text: published ones one after another, or the outbox's JSON lines
    /// (the daemon's `--outbox` file, a webhook receiver's log) whose message is one.
    public static func all(in text: String) -> [PublishedCheckpoint] {
        var found: [PublishedCheckpoint] = []
        for line in text.split(separator: "\n") where line.hasPrefix("{") {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let message = object["message"] as? String
            {
                found += all(in: message)
            }
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        while index + 5 < lines.count {
            guard lines[index] == AuditNote.heading else {
                index += 1
                continue
            }
            let note = lines[index..<index + 5].joined(separator: "\n") + "\n"
            let signatureLine = lines[index + 5]
            if AuditNote.fields(of: note) != nil, signatureLine.hasPrefix("signature "),
                let signature = Data(base64Encoded: String(signatureLine.dropFirst(10)))
            {
                found.append(PublishedCheckpoint(note: note, signature: Array(signature)))
            }
            index += 6
        }
        return found
    }
}

/// An award's place in the audit log, as its certificate prints it.
public struct AuditSeal: Sendable, Hashable {
    public var event: String
    public var leaf: Int64
    public var checkpoint: AuditCheckpoint

    /// "Sổ kiểm toán / audit log: …", the root and key, and how to check it.
    public var lines: [String] {
        [
            "Sổ kiểm toán / audit log: bản ghi / record \(leaf + 1) of \(checkpoint.size), signed \(ZonedCalendar.utcTimestamp(checkpoint.signedAt)) by key \(AuditNote.fields(of: checkpoint.note)?.keyID ?? "?")",
            "root \(AuditTrail.hex(checkpoint.root))",
            "Kiểm tra / verify: laurel audit prove \(event) --key KEY.pub",
        ]
    }
}

/// What `laurel audit verify` found.
public struct AuditVerification: Sendable, Encodable {
    public var records = 0
    /// Records a checkpoint placed in the tree; the rest wait for the next checkpoint.
    public var placed = 0
    public var checkpoints = 0
    public var published = 0
    /// The latest checkpoint's size and root, in hex.
    public var size: Int64 = 0
    public var root = AuditTrail.hex(MerkleTree.emptyRoot)
    public var keyID = ""
    public var events = 0
    /// Events logged before the audit log existed (a database from before it), which no record covers.
    public var eventsBeforeLog = 0
    /// Each thing that does not hold, naming the record, checkpoint or event.
    public var problems: [String] = []

    public var isIntact: Bool { problems.isEmpty }

    enum CodingKeys: String, CodingKey {
        case records, placed, checkpoints, published, size, root, events, problems
        case keyID = "key_id"
        case eventsBeforeLog = "events_before_log"
        case isIntact = "intact"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(isIntact, forKey: .isIntact)
        try container.encode(records, forKey: .records)
        try container.encode(placed, forKey: .placed)
        try container.encode(checkpoints, forKey: .checkpoints)
        try container.encode(published, forKey: .published)
        try container.encode(size, forKey: .size)
        try container.encode(root, forKey: .root)
        try container.encode(keyID, forKey: .keyID)
        try container.encode(events, forKey: .events)
        try container.encode(eventsBeforeLog, forKey: .eventsBeforeLog)
        try container.encode(problems, forKey: .problems)
    }
}

/// The proof that an event is in the audit log: the event is a leaf of its record's events
/// tree, the record a leaf of the log's tree at a signed checkpoint.
public struct AuditProof: Sendable, Encodable {
    public var event: String
    public var campaign: String
    /// The record covering the event, as its leaf hashes it.
    public var record: String
    public var leafIndex: Int64
    public var leafHash: String
    /// The audit path to the checkpoint's root (RFC 9162 §2.1.3), hex, from the leaf up.
    public var path: [String]
    public var treeSize: Int64
    public var root: String
    /// The signed checkpoint, as published.
    public var checkpoint: String
    /// The event's place among the events the record covers, its leaf, and its path to their root.
    public var eventIndex: Int
    public var eventCount: Int
    public var eventLeafHash: String
    public var eventPath: [String]
    public var eventsRoot: String
    /// Whether both paths verify and the checkpoint's signature is the trusted key's.
    public var verified: Bool

    enum CodingKeys: String, CodingKey {
        case event, campaign, record, path, root, checkpoint, verified
        case leafIndex = "leaf_index"
        case leafHash = "leaf_hash"
        case treeSize = "tree_size"
        case eventIndex = "event_index"
        case eventCount = "event_count"
        case eventLeafHash = "event_leaf_hash"
        case eventPath = "event_path"
        case eventsRoot = "events_root"
    }
}

extension CampaignService {
    /// Places the records no checkpoint has yet as leaves, signs the new size and root, and
    /// publishes the checkpoint through the outbox (a notice to `auditors` on the channel
    /// `audit-checkpoint`, its message the signed text). Returns nil when there was nothing new,
    /// or another daemon made the checkpoint first.
    ///
    /// A record whose body no longer hashes to the leaf hash it was written with is not signed:
    /// the checkpoint is refused, naming it.
    @discardableResult
    public func checkpointAudit(signer: AuditSigner, now: Instant, limit: Int = 100_000) async throws
        -> AuditCheckpoint?
    {
        do {
            return try await store.write { transaction in
                let last = try transaction.auditCheckpoints().last
                var frontier = MerkleTree.Frontier()
                if let last {
                    guard let kept = MerkleTree.Frontier(size: Int(last.size), peaks: last.peaks) else {
                        throw LaurelError(
                            .internal,
                            "the audit checkpoint of size \(last.size) is damaged (its subtree roots do not fit its size); run 'laurel audit verify'"
                        )
                    }
                    frontier = kept
                }
                let records = try transaction.unplacedAuditRecords(limit: limit)
                guard !records.isEmpty else { return nil }
                var placements: [(sequence: Int64, leaf: Int64)] = []
                placements.reserveCapacity(records.count)
                for record in records {
                    let leaf = MerkleTree.leafHash(record.body)
                    guard leaf == record.leafHash else {
                        throw LaurelError(
                            .internal,
                            "audit record \(record.sequence) was changed after it was written (its body no longer hashes to its leaf); it is not signed. Run 'laurel audit verify'"
                        )
                    }
                    placements.append((record.sequence, Int64(frontier.size)))
                    frontier.append(leaf)
                }
                let note = AuditNote(
                    size: Int64(frontier.size), root: frontier.root, signedAt: now, keyID: signer.publicKey.keyID)
                let checkpoint = AuditCheckpoint(
                    size: note.size, root: note.root, peaks: frontier.peaks, signedAt: now, note: note.text,
                    signature: try signer.sign(note.text))
                try transaction.placeAudit(placements, checkpoint: checkpoint)
                try transaction.enqueue([
                    OutboxItem(
                        campaignID: "", eventID: "audit-checkpoint:\(note.size)",
                        effect: .notify(
                            audience: "auditors", message: PublishedCheckpoint(checkpoint).text,
                            channels: ["audit-checkpoint"]), createdAt: now)
                ])
                return checkpoint
            }
        } catch is AuditConflict {
            return nil
        } catch {
            throw LaurelError(error)
        }
    }

    /// Checks the whole audit log against the trusted key: every record's leaf, the tree at every
    /// checkpoint, every checkpoint's signature, consistency between consecutive checkpoints, the
    /// checkpoints published elsewhere (a cut tail shows against them), the people kept beside
    /// the records, and that each event of the log is covered by the record of its change.
    public func verifyAudit(trusting key: AuditPublicKey, published: [PublishedCheckpoint] = []) async throws
        -> AuditVerification
    {
        try await reading { reader in
            var result = AuditVerification()
            result.keyID = key.keyID
            result.published = published.count
            var placed: [AuditRecord] = []
            while true {
                let page = try reader.auditRecords(fromLeaf: Int64(placed.count), limit: 10_000)
                placed += page
                if page.count < 10_000 { break }
            }
            let unplaced = try reader.unplacedAuditRecords(limit: .max)
            let checkpoints = try reader.auditCheckpoints()
            result.records = placed.count + unplaced.count
            result.placed = placed.count
            result.checkpoints = checkpoints.count

            // The records: each leaf as written, the people beside it as recorded.
            var leaves: [MerkleTree.Hash] = []
            leaves.reserveCapacity(placed.count)
            var missingFrom: Int?
            for (index, record) in placed.enumerated() {
                if record.leafIndex != Int64(index), missingFrom == nil {
                    missingFrom = index
                    result.problems.append(
                        "leaf \(index) of the audit log is missing: its record was removed (the next record, \(record.sequence), is at leaf \(record.leafIndex ?? -1))"
                    )
                }
                leaves.append(Self.checkedLeaf(record, problems: &result.problems))
            }
            for record in unplaced { _ = Self.checkedLeaf(record, problems: &result.problems) }

            // The checkpoints: signed by the trusted key, their roots those of the records.
            var frontier = MerkleTree.Frontier()
            var previous: AuditCheckpoint?
            for checkpoint in checkpoints {
                let name = "checkpoint \(checkpoint.size) (signed \(ZonedCalendar.utcTimestamp(checkpoint.signedAt)))"
                if let fields = AuditNote.fields(of: checkpoint.note) {
                    if fields.size != checkpoint.size || fields.root != checkpoint.root {
                        result.problems.append("\(name): its signed text names another size or root than it keeps")
                    }
                    if fields.keyID != key.keyID {
                        result.problems.append(
                            "\(name) was signed by key \(fields.keyID), not the trusted key \(key.keyID)")
                    }
                } else {
                    result.problems.append("\(name): its signed text is not a checkpoint's")
                }
                if !key.isValidSignature(checkpoint.signature, for: checkpoint.note) {
                    result.problems.append("\(name): the signature does not verify with the trusted key \(key.keyID)")
                }
                guard checkpoint.size <= Int64(leaves.count) else {
                    result.problems.append(
                        "\(name) covers \(checkpoint.size) records but the log has \(leaves.count) placed: records \(leaves.count)…\(checkpoint.size - 1) were removed"
                    )
                    continue
                }
                while frontier.size < Int(checkpoint.size) { frontier.append(leaves[frontier.size]) }
                if frontier.root != checkpoint.root {
                    result.problems.append(
                        "\(name): the records up to it no longer hash to its root; a record before leaf \(checkpoint.size) was changed, removed or inserted"
                    )
                }
                if let previous, previous.size < checkpoint.size {
                    let proof = MerkleTree.consistencyProof(
                        from: Int(previous.size), to: Int(checkpoint.size), leaves: leaves)
                    if !MerkleTree.verifyConsistency(
                        old: Int(previous.size), new: Int(checkpoint.size), oldRoot: previous.root,
                        newRoot: checkpoint.root, proof: proof)
                    {
                        result.problems.append(
                            "checkpoints \(previous.size) and \(checkpoint.size) are not consistent: the log was rewritten between them"
                        )
                    }
                }
                previous = checkpoint
            }
            if let latest = checkpoints.last {
                result.size = latest.size
                result.root = AuditTrail.hex(latest.root)
            }
            if let last = checkpoints.last, Int64(placed.count) > last.size {
                result.problems.append(
                    "\(Int64(placed.count) - last.size) records have leaves beyond the latest checkpoint (\(last.size)); no checkpoint signed them"
                )
            }

            // Checkpoints published elsewhere: what the database keeps may have been cut with the log.
            for checkpoint in published {
                guard let fields = AuditNote.fields(of: checkpoint.note) else { continue }
                let name = "the published checkpoint \(fields.size)"
                guard key.isValidSignature(checkpoint.signature, for: checkpoint.note) else {
                    result.problems.append("\(name): its signature does not verify with the trusted key \(key.keyID)")
                    continue
                }
                guard fields.size <= Int64(leaves.count) else {
                    result.problems.append(
                        "\(name) covers \(fields.size) records, but the log has \(leaves.count): records \(leaves.count)…\(fields.size - 1) were removed after it was published"
                    )
                    continue
                }
                if MerkleTree.root(leaves[0..<Int(fields.size)]) != fields.root {
                    result.problems.append(
                        "\(name) does not match the records: one before leaf \(fields.size) was changed, removed or inserted after it was published"
                    )
                }
            }

            try Self.checkCoverage(
                records: (placed + unplaced).sorted { $0.sequence < $1.sequence }, reader: reader, result: &result)
            return result
        }
    }

    /// A record's leaf hash from its body; a body that no longer hashes to the leaf it was written
    /// with, or people beside it that are not the ones it recorded, are problems named here.
    private static func checkedLeaf(_ record: AuditRecord, problems: inout [String]) -> MerkleTree.Hash {
        let leaf = MerkleTree.leafHash(record.body)
        let name = "audit record \(record.sequence)" + (record.leafIndex.map { " (leaf \($0))" } ?? "")
        if leaf != record.leafHash {
            problems.append("\(name) was changed after it was written: its body no longer hashes to its leaf")
        }
        if let personal = record.personal {
            let body = try? JSONSerialization.jsonObject(with: Data(record.body)) as? [String: Any]
            let actor = body?["actor"] as? [String: Any]
            let recorded: [(String, String?, Any?)] = [
                ("actor", personal.actor, actor?["person"]), ("address", personal.address, actor?["address"]),
                ("subject", personal.subject, body?["subject"]),
            ]
            for (field, value, hash) in recorded {
                guard let value else { continue }
                if hash as? String != AuditTrail.personalHash(field, value, salt: personal.salt) {
                    problems.append("\(name): the \(field) kept beside it is not the one it recorded")
                }
            }
        }
        return leaf
    }

    /// The events of each campaign against its records, in log order: each record covers the
    /// next `count` events of its campaign, from `first` to `last`, with their root. An event
    /// no record covers is a problem, unless it was logged before the audit log began.
    private static func checkCoverage(records: [AuditRecord], reader: any StoreReader, result: inout AuditVerification)
        throws
    {
        struct Covered {
            var sequence: Int64
            var count: Int
            var first: String
            var last: String
            var root: String
        }
        var queues: [String: [Covered]] = [:]
        var firstRecordAt: String?
        for record in records {
            guard let body = try? JSONSerialization.jsonObject(with: Data(record.body)) as? [String: Any] else {
                result.problems.append("audit record \(record.sequence) is not a JSON object")
                continue
            }
            if firstRecordAt == nil { firstRecordAt = body["at"] as? String }
            guard let campaign = record.campaignID, let events = body["events"] as? [String: Any] else { continue }
            queues[campaign, default: []].append(
                Covered(
                    sequence: record.sequence, count: events["count"] as? Int ?? 0,
                    first: events["first"] as? String ?? "",
                    last: events["last"] as? String ?? "", root: events["root"] as? String ?? ""))
        }
        var next: [String: Int] = [:]
        var gathered: [String: [MerkleTree.Hash]] = [:]
        var seenCovered: Set<String> = []
        var lastID: [String: String] = [:]
        var after: Int64 = 0
        while true {
            let page = try reader.events(after: after, limit: 10_000)
            for event in page {
                result.events += 1
                let campaign = event.campaignID
                let queue = queues[campaign] ?? []
                let position = next[campaign] ?? 0
                var group = gathered[campaign] ?? []
                if group.isEmpty {
                    guard position < queue.count, queue[position].first == event.id else {
                        if !seenCovered.contains(campaign), let firstRecordAt,
                            ZonedCalendar.utcTimestamp(event.recordedAt) < firstRecordAt
                        {
                            result.eventsBeforeLog += 1
                        } else {
                            result.problems.append(
                                "event \(event.id) of campaign \(campaign) is in the log, but no audit record covers it: it was added afterwards"
                            )
                        }
                        continue
                    }
                }
                seenCovered.insert(campaign)
                group.append(try AuditTrail.eventLeaf(event))
                lastID[campaign] = event.id
                let covered = queue[position]
                if group.count == covered.count {
                    if AuditTrail.hex(MerkleTree.root(group[...])) != covered.root || event.id != covered.last {
                        result.problems.append(
                            "the events audit record \(covered.sequence) covers (\(covered.first) … \(covered.last), campaign \(campaign)) are not as it recorded them: one was changed, removed or inserted"
                        )
                    }
                    group = []
                    next[campaign] = position + 1
                }
                gathered[campaign] = group
            }
            guard let last = page.last, page.count == 10_000 else { break }
            after = last.sequence
        }
        for (campaign, queue) in queues.sorted(by: { $0.key < $1.key }) {
            let position = next[campaign] ?? 0
            guard position < queue.count else { continue }
            let covered = queue[position]
            let found = gathered[campaign]?.count ?? 0
            result.problems.append(
                "audit record \(covered.sequence) covers \(covered.count) events of campaign \(campaign) from \(covered.first), but the log has \(found) of them\(found > 0 ? " (up to \(lastID[campaign] ?? "?"))" : ""): events were removed"
            )
        }
    }

    /// The record covering event `id`, the events it covers, and the latest checkpoint, which
    /// signs it; the errors say why there is none.
    private static func signedRecord(of id: String, in reader: any StoreReader) throws -> (
        event: LoggedEvent, record: AuditRecord, leaf: Int64, group: ArraySlice<LoggedEvent>,
        checkpoint: AuditCheckpoint
    ) {
        guard let event = try reader.event(id: id) else {
            throw LaurelError(
                .notFound, "there is no event '\(id)' in the log; 'laurel campaign history ID' lists them")
        }
        let events = try reader.events(campaignID: event.campaignID)
        var start = 0
        var found: (record: AuditRecord, group: ArraySlice<LoggedEvent>)?
        for record in try reader.auditRecords(campaignID: event.campaignID) {
            guard let body = try? JSONSerialization.jsonObject(with: Data(record.body)) as? [String: Any],
                let covered = body["events"] as? [String: Any], let first = covered["first"] as? String,
                let count = covered["count"] as? Int,
                let index = events[start...].firstIndex(where: { $0.id == first })
            else { continue }
            let group = events[index..<min(index + count, events.count)]
            start = group.endIndex
            if group.contains(where: { $0.id == id }) {
                found = (record, group)
                break
            }
        }
        guard let (record, group) = found else {
            throw LaurelError(
                .notFound,
                "event '\(id)' is not covered by any audit record: it was logged before the audit log began, or added afterwards ('laurel audit verify' says which)"
            )
        }
        guard let leaf = record.leafIndex else {
            throw LaurelError(
                .unavailable,
                "event '\(id)' is in audit record \(record.sequence), which no checkpoint has signed yet; 'laurel serve --audit-key FILE' signs one every few seconds, or run 'laurel audit checkpoint --key FILE'"
            )
        }
        guard let checkpoint = try reader.auditCheckpoints().last, checkpoint.size > leaf else {
            throw LaurelError(.internal, "audit record \(record.sequence) has leaf \(leaf) but no checkpoint covers it")
        }
        return (event, record, leaf, group, checkpoint)
    }

    /// What a certificate prints of the audit log: the award's record and the checkpoint that
    /// signs it, which `laurel audit prove EVENT` turns into a proof. Nil when no checkpoint
    /// signs the event yet.
    public func auditSeal(of eventID: String) async throws -> AuditSeal? {
        try await reading { reader in
            guard let signed = try? Self.signedRecord(of: eventID, in: reader) else { return nil }
            return AuditSeal(event: eventID, leaf: signed.leaf, checkpoint: signed.checkpoint)
        }
    }

    /// The proof that event `id` is in the audit log, checked before it is returned.
    public func proveAudit(event id: String, trusting key: AuditPublicKey) async throws -> AuditProof {
        try await reading { reader in
            let (event, record, leafIndex, group, checkpoint) = try Self.signedRecord(of: id, in: reader)
            var leaves: [MerkleTree.Hash] = []
            while leaves.count < Int(checkpoint.size) {
                let page = try reader.auditRecords(
                    fromLeaf: Int64(leaves.count), limit: min(10_000, Int(checkpoint.size) - leaves.count))
                guard !page.isEmpty else { break }
                leaves += page.map { MerkleTree.leafHash($0.body) }
            }
            guard leaves.count == Int(checkpoint.size) else {
                throw LaurelError(
                    .internal,
                    "the checkpoint covers \(checkpoint.size) records but only \(leaves.count) are in the log; run 'laurel audit verify'"
                )
            }
            let leaf = MerkleTree.leafHash(record.body)
            let path = MerkleTree.inclusionProof(of: Int(leafIndex), size: leaves.count, leaves: leaves)
            let eventLeaves = try group.map(AuditTrail.eventLeaf)
            let eventIndex = group.firstIndex(where: { $0.id == id })! - group.startIndex
            let eventPath = MerkleTree.inclusionProof(of: eventIndex, size: eventLeaves.count, leaves: eventLeaves)
            let eventsRoot = MerkleTree.root(eventLeaves[...])
            let recorded = (try? JSONSerialization.jsonObject(with: Data(record.body)) as? [String: Any])?["events"]
            let verified =
                MerkleTree.verifyInclusion(
                    leaf: leaf, index: Int(leafIndex), size: leaves.count, proof: path, root: checkpoint.root)
                && MerkleTree.verifyInclusion(
                    leaf: eventLeaves[eventIndex], index: eventIndex, size: eventLeaves.count, proof: eventPath,
                    root: eventsRoot)
                && (recorded as? [String: Any])?["root"] as? String == AuditTrail.hex(eventsRoot)
                && key.isValidSignature(checkpoint.signature, for: checkpoint.note)
            return AuditProof(
                event: id, campaign: event.campaignID, record: String(decoding: record.body, as: UTF8.self),
                leafIndex: leafIndex, leafHash: AuditTrail.hex(leaf), path: path.map(AuditTrail.hex),
                treeSize: checkpoint.size, root: AuditTrail.hex(checkpoint.root),
                checkpoint: PublishedCheckpoint(checkpoint).text, eventIndex: eventIndex, eventCount: group.count,
                eventLeafHash: AuditTrail.hex(eventLeaves[eventIndex]), eventPath: eventPath.map(AuditTrail.hex),
                eventsRoot: AuditTrail.hex(eventsRoot), verified: verified)
        }
    }

    /// Records from leaf `first` on (placed ones; then, once those run out, those waiting for a
    /// checkpoint), and the checkpoints: what an auditor reads. The people behind the hashes are
    /// never part of it.
    public func auditRecords(fromLeaf first: Int64, limit: Int) async throws -> (
        records: [AuditRecord], checkpoints: [AuditCheckpoint]
    ) {
        try await reading { reader in
            var records = try reader.auditRecords(fromLeaf: first, limit: limit)
            if records.count < limit { records += try reader.unplacedAuditRecords(limit: limit - records.count) }
            for index in records.indices { records[index].personal = nil }
            return (records, try reader.auditCheckpoints())
        }
    }

    /// Forgets who a person was in the audit log; the records stay whole and verifiable.
    public func eraseFromAudit(person: String) async throws -> Int {
        try await writing { try $0.eraseFromAudit(person: person) }
    }
}

extension CampaignService {
    /// A campaign's certificates, as its awards made them, each with the event that made it.
    public func certificates(of campaignID: String) async throws -> [(certificate: Certificate, event: String)] {
        try await reading { reader in
            try reader.outbox(campaignID: campaignID).compactMap { item in
                guard case .certificate(let certificate) = item.effect else { return nil }
                return (certificate, item.eventID)
            }
        }
    }
}
