import Testing

@testable import LaurelCore

@Suite("Merkle tree (RFC 9162)")
struct MerkleTreeTests {
    typealias M = MerkleTree

    /// The test vectors of Certificate Transparency's reference implementations: eight leaves
    /// and the root of each prefix.
    static let leaves = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ]
    .map { M.leafHash(bytes($0)) }
    static let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }

    static func hex(_ hash: M.Hash) -> String {
        hash.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    /// Leaves 0 … count-1 of a larger log, each its index as text.
    static func log(_ count: Int) -> [M.Hash] { (0..<count).map { M.leafHash(Array("record \($0)".utf8)) } }

    @Test("the roots of the reference vectors, by the tree and by the frontier a checkpoint keeps")
    func referenceRoots() {
        #expect(Self.hex(M.emptyRoot) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var frontier = M.Frontier()
        for size in 1...8 {
            #expect(Self.hex(M.root(Self.leaves[0..<size])) == Self.roots[size - 1], "size \(size)")
            frontier.append(Self.leaves[size - 1])
            #expect(Self.hex(frontier.root) == Self.roots[size - 1], "frontier at size \(size)")
            let kept = M.Frontier(size: frontier.size, peaks: frontier.peaks)
            #expect(kept == frontier)
        }
        #expect(M.Frontier(size: 3, peaks: [M.emptyRoot]) == nil, "3 leaves make two peaks")
    }

    @Test(
        "an inclusion proof verifies for every leaf of every tree up to 40 leaves, and not for another leaf, index or root"
    )
    func inclusion() {
        let leaves = Self.log(40)
        for size in 1...40 {
            let root = M.root(leaves[0..<size])
            for index in 0..<size {
                let proof = M.inclusionProof(of: index, size: size, leaves: leaves)
                #expect(M.verifyInclusion(leaf: leaves[index], index: index, size: size, proof: proof, root: root))
                let other = (index + 1) % size
                if other != index {
                    #expect(!M.verifyInclusion(leaf: leaves[other], index: index, size: size, proof: proof, root: root))
                    #expect(!M.verifyInclusion(leaf: leaves[index], index: other, size: size, proof: proof, root: root))
                }
                #expect(
                    !M.verifyInclusion(leaf: leaves[index], index: index, size: size, proof: proof, root: M.emptyRoot))
                if !proof.isEmpty {
                    var changed = proof
                    changed[0][0] ^= 1
                    #expect(
                        !M.verifyInclusion(leaf: leaves[index], index: index, size: size, proof: changed, root: root))
                }
            }
        }
    }

    @Test(
        "a consistency proof verifies between every pair of sizes up to 40, and fails for a rewritten first leaf in either tree"
    )
    func consistency() {
        let leaves = Self.log(40)
        var changed = leaves
        changed[0] = M.leafHash(Array("rewritten".utf8))
        for new in 1...40 {
            let newRoot = M.root(leaves[0..<new])
            for old in 0...new {
                let oldRoot = M.root(leaves[0..<old])
                let proof = M.consistencyProof(from: old, to: new, leaves: leaves)
                #expect(
                    M.verifyConsistency(old: old, new: new, oldRoot: oldRoot, newRoot: newRoot, proof: proof),
                    "\(old) → \(new)")
                guard old > 0, old < new else { continue }
                let forged = M.root(changed[0..<old])
                #expect(!M.verifyConsistency(old: old, new: new, oldRoot: forged, newRoot: newRoot, proof: proof))
                #expect(
                    !M.verifyConsistency(
                        old: old, new: new, oldRoot: oldRoot, newRoot: M.root(changed[0..<new]), proof: proof))
            }
        }
    }
}
