import Foundation

/// Who did something, as the audit log records it: a person in a role, from a front end.
///
/// Each front end says who acts for the work it runs, once: the HTTP API for each request (the
/// person its token proves, the client's address, the request id), the `laurel` command for its
/// run (the operating system's account), the daemon for its loops. The service reads it in
/// every write (``current``), as swift-distributed-tracing carries a request's context: no
/// write can leave it out, and no signature grows a parameter for it.
public struct AuditActor: Sendable, Hashable {
    /// A person of the organisation data, or the account that ran a command; nil for the daemon.
    public var person: String?
    /// The role they acted in: a ``Role``'s name, `operator` (the command line), `daemon`.
    public var role: String
    /// The front end: `http`, `cli laurel campaign start`, `daemon NAME`.
    public var origin: String
    /// The client's address, for a request over HTTP.
    public var address: String?
    /// The request's id, as the HTTP API answers it and logs it.
    public var requestID: String?

    public init(person: String?, role: String, origin: String, address: String? = nil, requestID: String? = nil) {
        self.person = person
        self.role = role
        self.origin = origin
        self.address = address
        self.requestID = requestID
    }

    /// The actor of the work this task does; a write made outside any front end's scope is
    /// recorded as `unattributed`, visibly.
    @TaskLocal public static var current = AuditActor(person: nil, role: "unattributed", origin: "unknown")

    /// The operator at the command line: the account that ran `laurel` (the one `sudo` was run
    /// from, when it was).
    public static func commandLine(_ command: String) -> AuditActor {
        let environment = ProcessInfo.processInfo.environment
        let account = environment["SUDO_USER"] ?? ProcessInfo.processInfo.userName
        return AuditActor(person: account, role: "operator", origin: "cli \(command)")
    }

    /// The daemon, firing timers and delivering the outbox.
    public static func daemon(name: String?) -> AuditActor {
        AuditActor(person: nil, role: "daemon", origin: name.map { "daemon \($0)" } ?? "daemon")
    }
}
