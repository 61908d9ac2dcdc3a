public import LaurelCore
public import LaurelDaemon
import Synchronization

/// A clock a test moves by hand, for running the daemon's loop in a test: it reads the same
/// until `advance` or `set` moves it.
public final class ManualClock: Sendable {
    private let instant: Mutex<Instant>

    public init(_ start: Instant) {
        instant = Mutex(start)
    }

    public var now: Instant { instant.withLock { $0 } }

    public func advance(by seconds: Instant) {
        instant.withLock { $0 += seconds }
    }

    public func set(_ now: Instant) {
        instant.withLock { $0 = now }
    }

    /// The daemon's clock reading this one.
    public var daemonClock: DaemonClock { .reading { self.now } }
}
