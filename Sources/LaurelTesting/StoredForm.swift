public import LaurelCore

extension CampaignCodec {
    /// What a store keeps of a campaign: its document, then each entry's row in order. Two
    /// campaigns with the same stored form are the same campaign, byte for byte: what replay and
    /// determinism tests compare. The entries must be loaded.
    public func storedForm(of campaign: Campaign) throws -> [[UInt8]] {
        [try encode(campaign)] + campaign.entries.map(CampaignCodec.encodeEntry)
    }

    /// The campaign as a store would give it back after saving it: its document decoded, its
    /// entries loaded from their rows.
    public func storedAndRead(_ campaign: Campaign) throws -> Campaign {
        var read = try decode(try encode(campaign))
        read.loadEntries(try campaign.entries.map { try CampaignCodec.decodeEntry(CampaignCodec.encodeEntry($0)[...]) })
        return read
    }
}
