import Foundation
import KairosCore
import Testing

@Suite("Random and time-ordered ids")
struct RandomIDTests {
    @Test func aRandomIdIsVersion4WithTheRFCVariantAndDiffersEachTime() {
        let ids = (0..<1_000).map { _ in RandomID.make() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.uuid.6 >> 4 == 4)
            #expect(id.uuid.8 >> 6 == 0b10)
            #expect(UUID(uuidString: id.uuidString) == id)
        }
    }

    @Test func aVersion7IdStartsWithItsMillisecondsBigEndian() {
        let id = UUID(millis: 0x0123_4567_89AB, random: .max, more: 0)
        #expect(id.uuidString.hasPrefix("01234567-89AB-7FFF-8000-"))
    }
}
