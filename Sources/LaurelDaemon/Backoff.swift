/// What failed and when to try it again: the delay doubles from one second to ten minutes, so a
/// fault that lasts (a folder that may not be written, a timer a build cannot fire) costs a try
/// now and then instead of one every loop. An error is reported when it is new for its key (the
/// first failure, or a different message), not at every try.
struct Backoff<Key: Hashable>: Sendable where Key: Sendable {
    struct Failure: Sendable {
        var nextTry: Double
        var delay: Double
        var error: String
        var tries: Int
    }

    static var firstDelay: Double { 1 }
    static var longestDelay: Double { 600 }

    private(set) var failures: [Key: Failure] = [:]

    /// Whether `key` failed and its next try is still to come (`now` in seconds, any origin).
    func isWaiting(_ key: Key, now: Double) -> Bool {
        failures[key].map { now < $0.nextTry } ?? false
    }

    /// Records a failure; true when the error is new for the key, and so worth a log line.
    mutating func failed(_ key: Key, error: String, now: Double) -> Bool {
        var failure = failures[key] ?? Failure(nextTry: now, delay: Self.firstDelay / 2, error: "", tries: 0)
        let isNew = failure.error != error
        failure.delay = min(Self.longestDelay, failure.delay * 2)
        failure.nextTry = now + failure.delay
        failure.error = error
        failure.tries += 1
        failures[key] = failure
        return isNew
    }

    /// Forgets the key after a success; returns how many tries had failed (0 when none).
    mutating func succeeded(_ key: Key) -> Int {
        failures.removeValue(forKey: key)?.tries ?? 0
    }

    var count: Int { failures.count }
}
