import Foundation

/// Deterministic jitter: the same job and fire always get the same delay, in every process
/// and after every restart, so that a retried or re-planned fire agrees with the first plan.
public enum Jitter {
    /// A delay in `0...maximumSeconds` (millisecond resolution) derived from `key` (the job's
    /// stable key or id) and the nominal fire time.
    public static func delay(key: String, fire: Date, maximumSeconds: Int) -> TimeInterval {
        guard maximumSeconds > 0 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the key
        for byte in key.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        let fireMillis = UInt64(bitPattern: Int64((fire.timeIntervalSince1970 * 1000).rounded(.down)))
        let mixed = splitMix(hash ^ splitMix(fireMillis))
        let range = UInt64(maximumSeconds) * 1000 + 1
        return Double(mixed % range) / 1000
    }

    /// SplitMix64's finaliser: a fast, well-distributed 64-bit mix.
    static func splitMix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
