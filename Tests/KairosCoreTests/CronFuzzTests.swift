import Foundation
import Testing

@testable import KairosCore

/// Random and mutated input never crashes the parser or the search: it is either rejected
/// with a ``CronError`` that has a message, or it parses and then fires strictly later.
@Suite("Cron parser fuzzing")
struct CronFuzzTests {
    static let alphabet = Array("0123456789*/,-?LW#@ \tJANFEBMONSUNFRIlwxyz!é\u{0}\n")
    static let valid = ["*/5 * * * *", "0 2 * * *", "30 9 * * 1-5", "0 0 L * *", "0 0 LW * *", "0 12 15W * ?", "0 9 * * 5L", "0 9 * * MON#2", "@daily", "*/10 * * * * *"]

    @Test("random strings are rejected cleanly or parse and fire", arguments: 0..<4)
    func randomStrings(seedIndex: Int) {
        var rng = SeededGenerator(seed: 0xF00D + UInt64(seedIndex))
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...40, using: &rng)
            let text = String((0..<length).map { _ in Self.alphabet.randomElement(using: &rng)! })
            Self.exercise(text)
        }
    }

    @Test("mutations of valid expressions are rejected cleanly or parse and fire", arguments: 0..<4)
    func mutations(seedIndex: Int) {
        var rng = SeededGenerator(seed: 0xABCD + UInt64(seedIndex))
        for _ in 0..<5_000 {
            var characters = Array(Self.valid.randomElement(using: &rng)!)
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let index = Int.random(in: 0...characters.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: characters.insert(Self.alphabet.randomElement(using: &rng)!, at: index)
                case 1 where index < characters.count: characters.remove(at: index)
                default: if index < characters.count { characters[index] = Self.alphabet.randomElement(using: &rng)! }
                }
            }
            Self.exercise(String(characters))
        }
    }

    @Test("oversized and numeric-overflow input is rejected", arguments: [
        String(repeating: "1,", count: 400) + "1 * * * *", "99999999999999999999 * * * *", "*/99999999999999999999 * * * *",
        "1-99999999999999999999 * * * *", "0 0 1#99999999999999999999 * *",
    ])
    func oversized(text: String) {
        #expect(throws: CronError.self) { try CronExpression(text) }
    }

    static func exercise(_ text: String) {
        do {
            let cron = try CronExpression(text)
            let zone = try! ZoneRules.named("America/New_York")
            let after: Int64 = 1_772_953_000
            if let next = cron.nextFire(afterSecond: after, in: zone) {
                #expect(next > after, "\(text)")
            } else {
                Issue.record("'\(text)' parsed but never fires")
            }
        } catch {
            #expect(!error.description.isEmpty)
        }
    }
}

@Suite("Cron search at the edges of time")
struct CronEdgeTests {
    @Test("instants far outside the zone table answer nil instead of trapping", arguments: [Int64.min, Int64.min + 1, -(1 << 41), Int64.max, Int64.max - 1, 1 << 40])
    func extremes(instant: Int64) throws {
        let zone = try ZoneRules.named("America/New_York")
        for text in ["* * * * *", "0 2 * * *", "0 0 29 2 *"] {
            #expect(try CronExpression(text).nextFire(afterSecond: instant, in: zone) == nil)
        }
    }

    @Test("dates that cannot be represented answer nil", arguments: [Double.infinity, -Double.infinity, Double.nan, 1e300])
    func unrepresentable(interval: Double) throws {
        let cron = try CronExpression("* * * * *")
        #expect(cron.nextFire(after: Date(timeIntervalSince1970: interval), in: .utc) == nil)
    }
}
