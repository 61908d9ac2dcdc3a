/// The Merkle tree of RFC 9162 (Certificate Transparency 2.0, §2.1) over a log of records, the
/// audit log's proof that nothing in it was changed, removed or reordered.
///
/// Leaves and nodes are hashed apart (a 0x00 and a 0x01 byte first), so a node can never pass
/// for a leaf. Hashes are the 32 bytes of SHA-256.
public enum MerkleTree {
    public typealias Hash = [UInt8]

    /// The hash of an empty tree: SHA-256 of nothing.
    public static let emptyRoot: Hash = SHA256.digest([])

    public static func leafHash(_ record: [UInt8]) -> Hash {
        SHA256.digest(prefix: 0, record)
    }

    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        SHA256.digest(prefix: 1, left, right)
    }

    /// The root of the tree over these leaf hashes (MTH in the RFC).
    public static func root(_ leaves: ArraySlice<Hash>) -> Hash {
        var frontier = Frontier()
        for leaf in leaves { frontier.append(leaf) }
        return frontier.root
    }

    /// The audit path of leaf `index` in the tree of the first `size` leaves (PATH in the RFC);
    /// empty, which verifies nothing, for an index or size the leaves do not have (a damaged log).
    public static func inclusionProof(of index: Int, size: Int, leaves: [Hash]) -> [Hash] {
        guard index >= 0, index < size, size <= leaves.count else { return [] }
        return path(index, leaves[0..<size])
    }

    private static func path(_ index: Int, _ leaves: ArraySlice<Hash>) -> [Hash] {
        guard leaves.count > 1 else { return [] }
        let split = leaves.startIndex + largestPowerOfTwo(below: leaves.count)
        if leaves.startIndex + index < split {
            return path(index, leaves[..<split]) + [root(leaves[split...])]
        }
        return path(leaves.startIndex + index - split, leaves[split...]) + [root(leaves[..<split])]
    }

    /// Whether `proof` shows that `leaf` is leaf `index` of the tree of `size` leaves with this
    /// root (the verification of RFC 9162 §2.1.3.2).
    public static func verifyInclusion(leaf: Hash, index: Int, size: Int, proof: [Hash], root: Hash) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index
        var sn = size - 1
        var hash = leaf
        for sibling in proof {
            guard sn > 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                hash = nodeHash(sibling, hash)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                hash = nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && hash == root
    }

    /// The proof that the tree of the first `old` leaves is a prefix of the tree of the first
    /// `new` (PROOF in the RFC); empty when the sizes are equal or the old tree is empty, and for
    /// sizes the leaves do not have (a damaged log: it then verifies nothing).
    public static func consistencyProof(from old: Int, to new: Int, leaves: [Hash]) -> [Hash] {
        guard old > 0, old < new, new <= leaves.count else { return [] }
        return subproof(old, leaves[0..<new], complete: true)
    }

    private static func subproof(_ old: Int, _ leaves: ArraySlice<Hash>, complete: Bool) -> [Hash] {
        if old == leaves.count { return complete ? [] : [root(leaves)] }
        let half = largestPowerOfTwo(below: leaves.count)
        let split = leaves.startIndex + half
        if old <= half {
            return subproof(old, leaves[..<split], complete: complete) + [root(leaves[split...])]
        }
        return subproof(old - half, leaves[split...], complete: false) + [root(leaves[..<split])]
    }

    /// Whether `proof` shows that the tree of `old` leaves with root `oldRoot` is a prefix of
    /// the tree of `new` leaves with root `newRoot` (RFC 9162 §2.1.4.2).
    public static func verifyConsistency(old: Int, new: Int, oldRoot: Hash, newRoot: Hash, proof: [Hash]) -> Bool {
        guard old >= 0, old <= new else { return false }
        if old == new { return proof.isEmpty && oldRoot == newRoot }
        if old == 0 { return proof.isEmpty && oldRoot == emptyRoot }
        var path = proof
        if old & (old - 1) == 0 { path.insert(oldRoot, at: 0) }
        guard let first = path.first else { return false }
        var fn = old - 1
        var sn = new - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var oldHash = first
        var newHash = first
        for sibling in path.dropFirst() {
            guard sn > 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                oldHash = nodeHash(sibling, oldHash)
                newHash = nodeHash(sibling, newHash)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                newHash = nodeHash(newHash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && oldHash == oldRoot && newHash == newRoot
    }

    /// The largest power of two smaller than `count` (at least 2).
    static func largestPowerOfTwo(below count: Int) -> Int {
        var power = 1
        while power << 1 < count { power <<= 1 }
        return power
    }

    /// The roots of the perfect subtrees a tree's leaves make, from the largest: enough to
    /// append leaves and compute the root without the leaves before them (a checkpoint keeps it,
    /// so the next one hashes only what came since).
    public struct Frontier: Sendable, Hashable {
        public private(set) var size: Int = 0
        /// One root per set bit of `size`, the highest bit's first.
        public private(set) var peaks: [Hash] = []

        public init() {}

        /// A frontier as a checkpoint kept it; nil when the peaks do not fit the size.
        public init?(size: Int, peaks: [Hash]) {
            guard size >= 0, size.nonzeroBitCount == peaks.count, peaks.allSatisfy({ $0.count == 32 }) else {
                return nil
            }
            self.size = size
            self.peaks = peaks
        }

        public mutating func append(_ leaf: Hash) {
            var hash = leaf
            // Each trailing one bit of the old size is a peak of the new leaf's height: merge.
            var bits = size
            while bits & 1 == 1 {
                hash = MerkleTree.nodeHash(peaks.removeLast(), hash)
                bits >>= 1
            }
            peaks.append(hash)
            size += 1
        }

        public var root: Hash {
            guard var hash = peaks.last else { return MerkleTree.emptyRoot }
            for peak in peaks.dropLast().reversed() { hash = MerkleTree.nodeHash(peak, hash) }
            return hash
        }
    }
}
