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
        let characters = Array(text)
        var position = 0
        while position < characters.count {
            let character = characters[position]
            // A run of digits is one number, so "số 12" < "số 14" < "số 124": its length (leading
            // zeros aside) ranks first, then its digits.
            if character.isASCII, character.wholeNumberValue != nil {
                var end = position
                while end < characters.count, characters[end].isASCII, characters[end].wholeNumberValue != nil {
                    end += 1
                }
                let digits = characters[position..<end].map { UInt32($0.wholeNumberValue!) }
                let significant = digits.drop { $0 == 0 }
                primary.append(70 + UInt32(min(significant.count, 29)))
                primary.append(contentsOf: significant.map { 50 + $0 })
                secondary.append(contentsOf: repeatElement(0, count: significant.count + 1))
                // "007" after "7": the zeros count last.
                tertiary.append(contentsOf: repeatElement(0, count: end - position - 1))
                tertiary.append(UInt8(min(digits.count - significant.count, 200)))
                position = end
                continue
            }
            position += 1
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

    /// The text in plain ASCII letters, as names are written (`phát-động` -> `phat-dong`): tones
    /// dropped, đ as d, ă â as a, ê as e, ô ơ as o, ư as u; spaces as '-'. Other characters stay.
    public static func ascii(_ text: String) -> String {
        var result = ""
        for character in text {
            let lower = Character(character.lowercased())
            var plain = character
            if lower == "đ" {
                plain = "d"
            } else if let (rank, _) = letters[lower], let base = rows[Int(rank) - 100].first {
                plain = ["ă": "a", "â": "a", "ê": "e", "ô": "o", "ơ": "o", "ư": "u"][base] ?? base
            } else if character == " " {
                plain = "-"
            }
            result.append(character == lower ? plain : Character(plain.uppercased()))
        }
        return result
    }

    /// Each letter's rank in the alphabet (counted from 100, above punctuation) and its tone.
    /// A row per base letter: the letter, then its five toned forms (huyền, hỏi, ngã, sắc, nặng).
    static let rows: [String] = [
        "aàảãáạ", "ăằẳẵắặ", "âầẩẫấậ", "b", "c", "d", "đ", "eèẻẽéẹ", "êềểễếệ", "f", "g", "h", "iìỉĩíị",
        "j", "k", "l", "m", "n", "oòỏõóọ", "ôồổỗốộ", "ơờởỡớợ", "p", "q", "r", "s", "t", "uùủũúụ",
        "ưừửữứự", "v", "w", "x", "yỳỷỹýỵ", "z",
    ]

    static let letters: [Character: (UInt32, UInt8)] = {
        var table: [Character: (UInt32, UInt8)] = [:]
        for (rank, row) in rows.enumerated() {
            for (tone, letter) in row.enumerated() { table[letter] = (UInt32(100 + rank), UInt8(tone)) }
        }
        return table
    }()
}
