import Crypto
import Foundation
import LaurelCore
import LaurelStore

/// The audit records the service writes, each in the transaction of the change it records.
///
/// A record's body is canonical JSON, written once and hashed as a Merkle leaf:
///
///     {"v":1,"at":"2026-12-05T03:10:00Z","action":"campaign.submit",
///      "actor":{"role":"unit-officer","origin":"http","person":"<hash>","address":"<hash>","request":"…"},
///      "campaign":"thi-dua-2026-1","version":12,
///      "events":{"count":1,"first":"http:an:k1","last":"http:an:k1","root":"<hex>"}}
///
/// People appear only as salted SHA-256 hashes (`person`, `address`, `subject`); who they were
/// is kept beside the record with the salt, and erasing it leaves every leaf as it was.
/// A campaign's record covers the events the change logged by the Merkle root of their hashes
/// (``eventLeaf(_:)``): `laurel audit verify` recomputes it from the log, so an event changed,
/// removed or slipped in afterwards is found; a sealed ballot paper is hashed as the log keeps
/// it, sealed.
enum AuditTrail {
    static let formatVersion = 1

    /// A record of `action`, with the actor's personal fields (and the subject's) hashed.
    static func record(
        _ action: String, by actor: AuditActor, at instant: Instant, campaign: String? = nil, subject: String? = nil,
        details: [(String, JSONValue)] = []
    ) -> AuditRecord {
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { [UInt8]($0) }
        func hashed(_ field: String, _ value: String?) -> JSONValue {
            value.map { .string(personalHash(field, $0, salt: salt)) } ?? .null
        }
        var fields: [(String, JSONValue)] = [
            ("v", .number(Double(formatVersion))), ("at", .string(ZonedCalendar.utcTimestamp(instant))),
            ("action", .string(action)),
            (
                "actor",
                .object([
                    ("role", .string(actor.role)), ("origin", .string(actor.origin)),
                    ("person", hashed("actor", actor.person)), ("address", hashed("address", actor.address)),
                    ("request", actor.requestID.map(JSONValue.string) ?? .null),
                ])
            ),
        ]
        if let campaign { fields.append(("campaign", .string(campaign))) }
        if subject != nil { fields.append(("subject", hashed("subject", subject))) }
        fields += details
        let personal =
            actor.person == nil && actor.address == nil && subject == nil
            ? nil : AuditPersonal(salt: salt, actor: actor.person, address: actor.address, subject: subject)
        return AuditRecord(
            campaignID: campaign, body: Array(JSONValue.object(fields).rendered(pretty: false).utf8), personal: personal
        )
    }

    /// The record of a campaign's save: the events it logged (the timers that fell due first,
    /// then what the actor did), by count, first and last id, and the root of their hashes.
    static func campaignRecord(
        by actor: AuditActor, at instant: Instant, campaign: Campaign, events: [LoggedEvent]
    ) throws -> AuditRecord {
        let leaves = try events.map(eventLeaf)
        return record(
            "campaign.\(events.last?.kind ?? "save")", by: actor, at: instant, campaign: campaign.id,
            details: [
                ("version", .number(Double(campaign.eventCount))),
                (
                    "events",
                    .object([
                        ("count", .number(Double(events.count))), ("first", .string(events.first?.id ?? "")),
                        ("last", .string(events.last?.id ?? "")), ("root", .string(hex(MerkleTree.root(leaves[...])))),
                    ])
                ),
            ])
    }

    /// An event's leaf in its record's tree: every field the log keeps but its sequence (which
    /// the store gives after the record is made), in ``Canonical`` form.
    static func eventLeaf(_ event: LoggedEvent) throws -> MerkleTree.Hash {
        MerkleTree.leafHash(
            Canonical().text(event.id).text(event.campaignID).number(event.at).number(event.recordedAt)
                .text(event.kind).text(event.disposition.rawValue).number(event.lateBy).text(event.summary)
                .bytes(try event.action.json()).bytes)
    }

    /// SHA-256 of the salt, the field's name and the value: the same person hashes differently
    /// in every record and in every field, so hashes cannot be matched across records.
    static func personalHash(_ field: String, _ value: String, salt: [UInt8]) -> String {
        LaurelCore.SHA256.hex(salt + Array("\(field):\(value)".utf8))
    }

    static func hex(_ bytes: [UInt8]) -> String { Hex.string(bytes) }

    static func bytes(hex text: String) -> [UInt8]? { Hex.bytes(text) }
}
