public import ArgumentParser
import Foundation
import LaurelCore
import Logging
import Synchronization

/// How `laurel serve` and `laurel api` log: the level, and lines for people or JSON for programs.
struct LogOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// `2026-12-05T00:47:49+0000 info laurel: campaign=... [LaurelDaemon] message`.
        case text
        /// One JSON object per line: `timestamp`, `level`, `label`, `source`, `message`, then the metadata.
        case json
    }

    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: Logger.Level = .info

    @Option(help: ArgumentHelp("text (lines for people) or json (one object per line).", valueName: "format"))
    var logFormat: Format = .text

    func bootstrap() {
        let level = logLevel
        let format = logFormat
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return EscapingLogHandler(handler)
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Writes log lines with control characters made visible (``Escaping``): a name holding ESC or a
/// newline cannot forge a log line or drive the terminal of whoever reads the log.
struct EscapingLogHandler: LogHandler {
    var inner: any LogHandler

    init(_ inner: any LogHandler) {
        self.inner = inner
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        // Messages keep their line breaks (a rejected file's diagnostics); metadata is one line.
        event.message = "\(Escaping.lines(event.message.description))"
        event.metadata = event.metadata?.mapValues { .string(Escaping.line($0.description)) }
        inner.log(event: event)
    }
}

/// One JSON object per line on standard output, for a log collector: the keys `timestamp` (UTC,
/// ISO 8601 with milliseconds), `level`, `label`, `source`, `message`, then each metadata key
/// (a key named like one of those is prefixed with `metadata.`). JSON's escaping keeps every
/// value on its line.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// One line written at a time, whichever thread logs.
    private static let output = Mutex(())

    func log(event: LogEvent) {
        var fields: [(String, JSONValue)] = [
            ("timestamp", .string(Self.timestamp())), ("level", .string(event.level.rawValue)),
            ("label", .string(label)), ("source", .string(event.source)),
            ("message", .string(event.message.description)),
        ]
        let reserved: Set<String> = ["timestamp", "level", "label", "source", "message"]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            fields.append((reserved.contains(key) ? "metadata.\(key)" : key, Self.json(value)))
        }
        let line = JSONValue.object(fields).rendered(pretty: false) + "\n"
        Self.output.withLock { _ in FileHandle.standardOutput.write(Data(line.utf8)) }
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let value): .string(value.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let values): .object(values.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) })
        }
    }

    private static func timestamp() -> String {
        Date().formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
