import Foundation

/// The one encoded form of a campaign: what the store saves and what determinism is judged by.
///
/// JSON with sorted keys, so the same campaign always gives the same bytes and an operator can
/// read a saved campaign. Step memories are decoded through the plugin registry.
public struct CampaignCodec: Sendable {
    public let registry: PluginRegistry

    public init(registry: PluginRegistry) {
        self.registry = registry
    }

    public func encode(_ campaign: Campaign) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(campaign))
    }

    public func decode(_ bytes: [UInt8]) throws -> Campaign {
        let decoder = JSONDecoder()
        decoder.userInfo[.pluginRegistry] = registry
        return try decoder.decode(Campaign.self, from: Data(bytes))
    }
}
