import Foundation

/// Time-ordered execution ids (UUID version 7: 48 bits of Unix milliseconds, then random
/// bits): new executions land at the end of a primary-key index instead of on random pages,
/// which keeps the pages a burst of fires dirties, and the log it writes, small.
public enum ExecutionID {
    public static func make(at date: Date) -> UUID {
        var generator = SystemRandomNumberGenerator()
        let millis = UInt64(max(0, min(date.timeIntervalSince1970 * 1000, Double(UInt64(1) << 47))))
        let random = generator.next() as UInt64
        let more = generator.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - index))) }
        for index in 6..<16 { bytes[index] = UInt8(truncatingIfNeeded: (index < 14 ? random : more) >> (8 * (index % 8))) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // RFC 4122 variant
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
