import Foundation
import KairosStore
import Testing

@Suite("Recent statuses query")
struct RecentStatusesQueryTests {
    @Test func keepsEachJobOnceInOrderAndBoundsTheRead() {
        let (a, b, c) = (UUID(), UUID(), UUID())
        let query = RecentStatusesQuery(jobIds: [b, a, b, c, a], limit: 20)
        #expect(query.jobIds == [b, a, c])
        #expect(query.limit == 20)

        let many = (0..<(RecentStatusesQuery.maximumJobs + 10)).map { _ in UUID() }
        #expect(RecentStatusesQuery(jobIds: many, limit: 20).jobIds == Array(many.prefix(RecentStatusesQuery.maximumJobs)))
    }

    @Test func clampsTheLimit() {
        #expect(RecentStatusesQuery(jobIds: [], limit: 0).limit == 1)
        #expect(RecentStatusesQuery(jobIds: [], limit: -5).limit == 1)
        #expect(RecentStatusesQuery(jobIds: [], limit: 100_000).limit == RecentStatusesQuery.maximumLimit)
    }
}
