import Logging
import Synchronization

/// A logger whose lines the test can read: what the daemon said, at which level.
final class CapturedLog: Sendable {
    private let captured = Mutex<[(level: Logger.Level, message: String, metadata: String)]>([])

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    func lines(_ level: Logger.Level) -> [String] {
        captured.withLock { $0.filter { $0.level == level }.map(\.message) }
    }

    /// The lines at `level` with their metadata, `message key=value ...`, keys in order.
    func linesWithMetadata(_ level: Logger.Level) -> [String] {
        captured.withLock { $0.filter { $0.level == level }.map { "\($0.message) \($0.metadata)" } }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let text = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            log.captured.withLock { $0.append((event.level, event.message.description, text)) }
        }
    }
}
