import Foundation
public import LaurelCore
public import LaurelService
public import LaurelStore

/// How a delivered outbox item looks to whoever receives it: one JSON object, the same for
/// every sink (a line of the `--outbox` file today; the body a webhook sink would POST,
/// docs/operations.md "The outbox"), and one line of text for the log.
public enum OutboxDocument {
    /// The item as JSON, keys in a fixed order. `sequence` is unique and increasing: a receiver
    /// that may see an item twice (delivery is at least once) keys on it.
    /// `idempotencyKey`: the same for every delivery of the item (``OutboxLease/idempotencyKey``),
    /// so a receiver can drop a second one.
    public static func json(_ item: OutboxItem, idempotencyKey: String? = nil) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("sequence", .number(Double(item.sequence))),
            ("campaign", .string(item.campaignID)),
            ("event", .string(item.eventID)),
            ("created_at", .string(ZonedCalendar.utcTimestamp(item.createdAt))),
        ]
        switch item.effect {
        case .notify(let audience, let message, let channels):
            fields += [
                ("kind", .string("notify")), ("audience", .string(audience)),
                ("channels", .array(channels.map(JSONValue.string))), ("message", .string(message)),
            ]
        case .award(let award):
            fields += [
                ("kind", .string("award")), ("entry", .string(award.entry)), ("tier", .string(award.tier)),
                ("tier_number", .number(Double(award.tierNumber))), ("rank", .number(Double(award.rank))),
                ("amount", .number(Double(award.amount))), ("total", .number(award.total)),
                ("reviews", .number(Double(award.reviews))),
            ]
        case .certificate(let certificate):
            fields += [
                ("kind", .string("certificate")), ("entry", .string(certificate.entry)),
                ("recipient", .string(certificate.recipient)), ("heading", .string(certificate.heading)),
                ("tier", .string(certificate.tier)), ("amount", .number(Double(certificate.amount))),
                ("body", .string(certificate.text)),
            ]
        case .startChild(let workflow, let key, _, let inputs):
            fields += [
                ("kind", .string("start-child")), ("workflow", .string(workflow)), ("key", .string(key)),
                ("inputs", .object(inputs.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value.description)) })),
            ]
        }
        fields.append(("text", .string(text(item.effect))))
        if let idempotencyKey { fields.append(("idempotency_key", .string(idempotencyKey))) }
        return .object(fields)
    }

    /// One line for people: "notify organisers by notice, email: ...".
    public static func text(_ effect: Effect) -> String {
        switch effect {
        case .notify(let audience, let message, let channels):
            return "notify \(audience) by \(channels.joined(separator: ", ")): \(message)"
        case .award(let award):
            return
                "award \(award.tier) to \(award.entry) (rank \(award.rank), total \(award.total.formattedForMessage))"
                + (award.amount > 0 ? ", \(award.amount) VND" : "")
        case .startChild(let workflow, let key, _, _):
            return "child campaign \(key) of \(workflow) started"
        case .certificate(let certificate):
            return
                "certificate \"\(certificate.heading)\" for \(certificate.recipient) (\(certificate.entry), \(certificate.tier))"
        }
    }

}

/// Writes certificates out as documents: `FOLDER/NAME.md` and `FOLDER/NAME.html`, NAME being the
/// entry id made safe for a file name. Each file is written whole (to a temporary name, then
/// renamed), so a reader never sees half a certificate; writing one again replaces it.
public enum CertificateFiles {
    @discardableResult
    public static func write(_ certificate: Certificate, into folder: String, seal: AuditSeal? = nil) throws
        -> [String]
    {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let stem = (folder as NSString).appendingPathComponent(certificate.fileStem)
        let footer = seal?.lines ?? []
        let files = [
            (stem + ".md", certificate.markdown(footer: footer)), (stem + ".html", certificate.html(footer: footer)),
        ]
        for (path, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        return files.map(\.0)
    }
}
