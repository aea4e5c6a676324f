import Foundation
import Hummingbird
import KairosCore
import KairosHTTP
import KairosStore

extension KairosDashboard {
    /// Jobs read for the timeline (the soonest), and fires counted per job.
    static let upcomingJobLimit = 500
    static let upcomingFiresPerJob = 1440

    /// The fires due in the next 24 hours across jobs: per 10 minutes as SVG, the busiest
    /// minutes (bursts), and the next 100 fires.
    func addUpcomingRoutes(to pages: inout PageTable) {
        pages.add(.get, "/upcoming", .viewer) { page in
            let now = engine.clock.now()
            let end = now.addingTimeInterval(86_400)
            let jobs = try await store.upcomingJobs(limit: Self.upcomingJobLimit).filter { ($0.nextRunAt ?? .distantFuture) < end }
            var fires: [(at: Date, job: Job)] = []
            var cappedJobs: [String] = []
            for job in jobs {
                let dates = job.upcomingFires(after: now.addingTimeInterval(-1), count: Self.upcomingFiresPerJob + 1).filter { $0 < end }
                if dates.count > Self.upcomingFiresPerJob { cappedJobs.append(job.key) }
                fires += dates.prefix(Self.upcomingFiresPerJob).map { ($0, job) }
            }
            fires.sort { $0.at < $1.at }
            var minutes: [Int64: Set<String>] = [:]
            for fire in fires { minutes[Int64(fire.at.timeIntervalSince1970) / 60, default: []].insert(fire.job.key) }
            let bursts = minutes.filter { $0.value.count > 1 }.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }.prefix(10)
            let view = UpcomingPage(
                chrome: chrome(page, title: "Upcoming", section: "upcoming", live: KairosAPI.prefix + "/scheduler/events").refreshing(),
                total: fires.count,
                jobCount: Set(fires.map(\.job.id)).count,
                jobsCapped: jobs.count == Self.upcomingJobLimit,
                cappedJobs: cappedJobs.joined(separator: ", "),
                timeline: UpcomingChart(fires: fires.map(\.at), start: now).svg,
                bursts: bursts.map { minute, keys in
                    Burst(at: TimeView(Date(timeIntervalSince1970: Double(minute * 60)), now: now), count: keys.count,
                        jobs: keys.sorted().prefix(8).joined(separator: ", ") + (keys.count > 8 ? " …" : ""))
                },
                next: fires.prefix(100).map { UpcomingRow($0.job, at: $0.at, now: now) })
            return Response.html(renderer.render(view, template: "upcoming"))
        }
    }
}

struct Burst {
    var at: TimeView
    var count: Int
    var jobs: String
}

struct UpcomingPage {
    var chrome: Chrome
    var total: Int
    var jobCount: Int
    var jobsCapped: Bool
    var cappedJobs: String
    var timeline: String
    var bursts: [Burst]
    var next: [UpcomingRow]
}
