import Foundation

/// The newest outcomes of a page of jobs (the dashboard's sparklines), for
/// ``ExecutionHistory/recentStatuses(_:)``: every driver answers it in one read.
///
/// The bounds are decided here, not by the drivers: `jobIds` keeps each job once, in the order
/// given, and at most ``maximumJobs`` of them (the rest are not read); `limit` is clamped to
/// `1...maximumLimit`.
public struct RecentStatusesQuery: Sendable, Hashable {
    public static let maximumJobs = 500
    public static let maximumLimit = 100

    public let jobIds: [UUID]
    public let limit: Int

    public init(jobIds: [UUID], limit: Int) {
        var ids: [UUID] = []
        var seen: Set<UUID> = []
        for id in jobIds {
            if ids.count == Self.maximumJobs { break }
            if seen.insert(id).inserted { ids.append(id) }
        }
        self.jobIds = ids
        self.limit = min(max(limit, 1), Self.maximumLimit)
    }
}
