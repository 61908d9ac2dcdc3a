import Foundation
public import LaurelCore

/// The daemon's idea of now. The engine never reads a clock; the daemon reads this one and hands
/// the instant in.
public struct DaemonClock: Sendable {
    /// The wall clock: seconds since 1970-01-01T00:00Z.
    public static let system = DaemonClock(origin: nil, speed: 1)

    /// Where virtual time started (virtual instant, real instant), nil for the wall clock.
    private let origin: (virtual: Instant, real: Double)?
    /// Virtual seconds per real second.
    public let speed: Double
    /// A clock someone else moves (a test's), which real time does not move.
    private let reading: (@Sendable () -> Instant)?
    /// Seconds added to the wall clock: the difference to a database server's clock.
    private var offset: Double = 0

    private init(origin: (virtual: Instant, real: Double)?, speed: Double, reading: (@Sendable () -> Instant)? = nil) {
        self.origin = origin
        self.speed = speed
        self.reading = reading
    }

    /// Whether this is the wall clock (perhaps set to a server's): neither accelerated nor a test's.
    public var isWallClock: Bool { origin == nil && reading == nil }

    /// The wall clock set to agree with another that reads `reference` seconds now (the database
    /// server's, which several daemons share; read within a round trip, a millisecond or so).
    public func agreeing(with reference: Double) -> DaemonClock {
        var clock = self
        clock.offset = reference - Date().timeIntervalSince1970
        return clock
    }

    /// A clock that reads `now` and moves only when what `now` reads moves (LaurelTesting's
    /// `ManualClock`): the daemon then polls it every `maximumWait`.
    public static func reading(_ now: @escaping @Sendable () -> Instant) -> DaemonClock {
        DaemonClock(origin: nil, speed: 1, reading: now)
    }

    /// A clock that starts at `start` and runs `speed` times faster than real time, for the demo:
    /// at 86,400 one real second is one day of a campaign.
    public static func accelerated(from start: Instant, speed: Double) -> DaemonClock {
        DaemonClock(origin: (start, Date().timeIntervalSince1970), speed: speed)
    }

    public var isAccelerated: Bool { origin != nil }

    public func now() -> Instant {
        if let reading { return reading() }
        let real = Date().timeIntervalSince1970
        guard let origin else { return Instant((real + offset).rounded(.down)) }
        return origin.virtual + Instant(((real - origin.real) * speed).rounded(.down))
    }

    /// Real seconds until the clock reads `instant`.
    public func realSeconds(until instant: Instant) -> Double {
        if reading != nil { return instant <= now() ? 0 : .infinity }
        return Double(instant - now()) / speed
    }
}
