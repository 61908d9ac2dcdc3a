public import LaurelCore

extension CampaignCodec {
    /// What a store keeps of a campaign: its document, then its entries encoded in order. Two
    /// campaigns with the same stored form are the same campaign, byte for byte: what replay and
    /// determinism tests compare. The entries must be loaded.
    public func storedForm(of campaign: Campaign) throws -> [[UInt8]] {
        [try encode(campaign), CampaignCodec.encodeEntries(campaign.entries.array[...])]
    }

    /// The campaign as a store would give it back after saving it: its document decoded, its
    /// entries loaded from their rows.
    public func storedAndRead(_ campaign: Campaign) throws -> Campaign {
        var read = try decode(try encode(campaign))
        var entries: [Entry] = []
        try CampaignCodec.decodeEntries(
            CampaignCodec.encodeEntries(campaign.entries.array[...])[...], count: campaign.entries.count, into: &entries
        )
        try read.loadEntries(entries)
        return read
    }
}
