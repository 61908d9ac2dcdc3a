import Foundation
import LaurelCore
import LaurelStore
import Testing

@Suite("Action JSON")
struct ActionJSONTests {
    static let numbers: [Double] = [
        0, -0.0, 1, -1, 42, 0.1, -2.5, 1e-5, 123_456.789, 999_999_999_999_999, 1e15, 9_007_199_254_740_992,
        .leastNonzeroMagnitude, .greatestFiniteMagnitude, Double(1 << 52) + 0.5,
    ]

    static let texts = [
        "", "Sáng kiến số 7", "quote \" and \\ back", "tab\tnew\nline\r", "\u{1}\u{1F}", "emoji 🏅", "/slash",
    ]

    /// Submissions with every kind of value the log's own writer takes, and some it leaves to
    /// `JSONEncoder`.
    static var actions: [LoggedAction] {
        var actions: [LoggedAction] = []
        for (index, number) in numbers.enumerated() {
            let text = texts[index % texts.count]
            var fields: NamedValues<Value> = [
                "n": .number(number), "title": .text(text), "ok": .boolean(index % 2 == 0),
            ]
            if index % 3 == 0 { fields["when"] = .instant(Instant(index) * 86_400 - 5) }
            actions.append(
                .event(
                    .submit(
                        Entry(
                            id: "E-\(index)", kind: "initiative", unit: index % 2 == 0 ? "cd-\(text)" : nil,
                            submittedBy: index % 4 == 0 ? text : nil, fields: fields, submittedAt: Instant(index)))))
        }
        actions.append(
            .event(.submit(Entry(id: "d", kind: "k", fields: ["span": .duration(ISODuration(days: 2))]))))
        actions.append(.event(.submit(Entry(id: "s", kind: "k", score: EntryScore(total: 3, reviews: 1)))))
        actions.append(.event(.command("launch")))
        return actions
    }

    @Test("rule: a damaged submission's JSON is refused, never read as another action")
    func damaged() throws {
        let json = try Self.actions[1].json()
        for length in 0..<json.count {
            #expect(throws: (any Error).self) { try LoggedAction(json: Array(json[..<length])) }
        }
        for position in json.indices {
            var damaged = json
            damaged[position] = UInt8(ascii: "#")
            if let read = try? LoggedAction(json: damaged) {
                #expect(read == (try? JSONDecoder().decode(LoggedAction.self, from: Data(damaged))))
            }
        }
    }

    @Test("rule: an action's JSON reads back as the action, number for number, as JSONEncoder's does")
    func readsBack() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for action in Self.actions {
            let json = try action.json()
            let decoded = try JSONDecoder().decode(LoggedAction.self, from: Data(json))
            let reference = try JSONDecoder().decode(LoggedAction.self, from: encoder.encode(action))
            #expect(decoded == action && decoded == reference, "\(String(decoding: json, as: UTF8.self))")
            // The log's own reading gives the same, from its own form and from JSONEncoder's.
            let read = try LoggedAction(json: json)
            let fromEncoder = try LoggedAction(json: Array(encoder.encode(action)))
            #expect(read == action)
            #expect(fromEncoder == action)
            if case .event(.submit(let back)) = read, case .event(.submit(let written)) = action {
                for name in written.fields.names {
                    if case .number(let number) = written.fields[name], case .number(let again) = back.fields[name] {
                        #expect(again.bitPattern == number.bitPattern, "\(number) read back by the log as \(again)")
                    }
                }
            }
            if case .event(.submit(let read)) = decoded, case .event(.submit(let written)) = action {
                for name in written.fields.names {
                    if case .number(let number) = written.fields[name], case .number(let back) = read.fields[name] {
                        #expect(back.bitPattern == number.bitPattern, "\(number) read back as \(back)")
                    }
                }
            }
        }
    }
}
