import Foundation

/// Parses ids in paths and query parameters (`8-4-4-4-12` hexadecimal digits, either case),
/// as `UUID(uuidString:)` does but on UTF-8 bytes: Foundation's parser goes through `sscanf`,
/// about 1 % of the CPU of `GET /jobs/{id}` under wrk (docs/PERFORMANCE.md).
enum UUIDText {
    static func parse(_ text: some StringProtocol) -> UUID? {
        var bytes = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                     UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        var count = 0
        var high: UInt8?
        var position = 0
        let parsed = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
            for byte in text.utf8 {
                defer { position += 1 }
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard byte == UInt8(ascii: "-") else { return false }
                    continue
                }
                guard position < 36, let nibble = hexValue(byte) else { return false }
                if let first = high {
                    out[count] = first << 4 | nibble
                    count += 1
                    high = nil
                } else {
                    high = nibble
                }
            }
            return position == 36
        }
        return parsed ? UUID(uuid: bytes) : nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
