/// Sorting of names as Vietnamese readers expect it, for every list shown to people (units,
/// people, nominees): the alphabet a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y,
/// then tones in dictionary order (none, huyền, hỏi, ngã, sắc, nặng), then lower case first.
///
/// Plain code-point order puts "Đ" after "Z" and "Ánh" after "Yến"; this does not. Letters the
/// Vietnamese alphabet lacks (f, j, w, z, digits, other scripts) sort by code point after a
/// letter of the same base. Characters compare by canonical equivalence, so precomposed and
/// decomposed text (NFC, NFD) sort alike.
public enum VietnameseCollation {
    /// A key whose lexicographic order is the Vietnamese order of the strings.
    public struct Key: Comparable, Sendable, Hashable {
        let primary: [UInt32]
        let secondary: [UInt8]
        let tertiary: [UInt8]

        public static func < (a: Key, b: Key) -> Bool {
            if a.primary != b.primary { return a.primary.lexicographicallyPrecedes(b.primary) }
            if a.secondary != b.secondary { return a.secondary.lexicographicallyPrecedes(b.secondary) }
            return a.tertiary.lexicographicallyPrecedes(b.tertiary)
        }
    }

    public static func key(_ text: String) -> Key {
        var primary: [UInt32] = []
        var secondary: [UInt8] = []
        var tertiary: [UInt8] = []
        primary.reserveCapacity(text.count)
        for character in text {
            let lower = Character(character.lowercased())
            tertiary.append(lower == character ? 0 : 1)
            if let (rank, tone) = letters[lower] {
                primary.append(rank)
                secondary.append(tone)
            } else {
                // Not in the table: spaces first (so "Lê Văn" sorts before "Lêa"), then
                // punctuation, digits, the letters above, other scripts by code point.
                let scalar = lower.unicodeScalars.first!.value
                if character.isWhitespace {
                    primary.append(0)
                } else if let digit = character.wholeNumberValue, character.isASCII {
                    primary.append(50 + UInt32(digit))
                } else if character.isLetter || character.isNumber {
                    primary.append(1_000 + scalar)
                } else {
                    primary.append(10 + scalar % 40)
                }
                secondary.append(0)
            }
        }
        return Key(primary: primary, secondary: secondary, tertiary: tertiary)
    }

    /// The strings in Vietnamese order; ties keep their order.
    public static func sorted<T>(_ items: [T], by text: (T) -> String) -> [T] {
        items.map { (key(text($0)), $0) }
            .enumerated()
            .sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }
            .map(\.element.1)
    }

    /// Each letter's rank in the alphabet (counted from 100, above punctuation) and its tone.
    static let letters: [Character: (UInt32, UInt8)] = {
        // A row per base letter: the letter, then its five toned forms (huyền, hỏi, ngã, sắc, nặng).
        let rows = [
            "aàảãáạ", "ăằẳẵắặ", "âầẩẫấậ", "b", "c", "d", "đ", "eèẻẽéẹ", "êềểễếệ", "f", "g", "h", "iìỉĩíị",
            "j", "k", "l", "m", "n", "oòỏõóọ", "ôồổỗốộ", "ơờởỡớợ", "p", "q", "r", "s", "t", "uùủũúụ",
            "ưừửữứự", "v", "w", "x", "yỳỷỹýỵ", "z",
        ]
        var table: [Character: (UInt32, UInt8)] = [:]
        for (rank, row) in rows.enumerated() {
            for (tone, letter) in row.enumerated() { table[letter] = (UInt32(100 + rank), UInt8(tone)) }
        }
        return table
    }()
}
