/// The step plugins compiled into this build, by kind. Built once from an explicit list.
public struct PluginRegistry: @unchecked Sendable {
    // Metatypes of a protocol without instance state carry nothing mutable, hence unchecked.
    public let plugins: [any StepPlugin.Type]
    private let byKind: [String: any StepPlugin.Type]

    public struct DuplicateKind: Error, CustomStringConvertible {
        public var kind: String
        public var description: String { "two step plugins declare the kind '\(kind)'; each kind must be unique" }
    }

    public init(_ plugins: [any StepPlugin.Type]) throws(DuplicateKind) {
        var byKind: [String: any StepPlugin.Type] = [:]
        for plugin in plugins {
            guard byKind[plugin.kind] == nil else { throw DuplicateKind(kind: plugin.kind) }
            byKind[plugin.kind] = plugin
        }
        self.plugins = plugins.sorted { $0.kind < $1.kind }
        self.byKind = byKind
    }

    public func plugin(kind: String) -> (any StepPlugin.Type)? { byKind[kind] }

    public var kinds: [String] { plugins.map { $0.kind } }
}
