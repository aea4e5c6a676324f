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
                chrome: chrome(page, title: "Upcoming", section: "upcoming"),
                total: fires.count,
                jobCount: Set(fires.map(\.job.id)).count,
                jobsCapped: jobs.count == Self.upcomingJobLimit,
                cappedJobs: cappedJobs.joined(separator: ", "),
                timeline: UpcomingChart(fires: fires.map(\.at), start: now).svg,
                bursts: bursts.map { minute, keys in
                    Burst(at: TimeView(Date(timeIntervalSince1970: Double(minute * 60)), now: now), count: keys.count,
                        jobs: keys.sorted().prefix(8).joined(separator: ", ") + (keys.count > 8 ? " …" : ""))
                },
                next: fires.prefix(100).map { fire in
                    UpcomingRow(key: fire.job.key, name: fire.job.spec.name.isEmpty ? fire.job.key : fire.job.spec.name,
                        url: "/jobs/" + FormBody.encode(fire.job.key), at: TimeView(fire.at, zone: fire.job.spec.schedule.zone, now: now))
                })
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

/// Fires per 10 minutes over the next 24 hours, as SVG bars (numbers and fixed words only).
struct UpcomingChart {
    var fires: [Date]
    var start: Date

    var svg: String {
        var buckets = Array(repeating: 0, count: 144)
        for fire in fires {
            let index = Int(fire.timeIntervalSince(start) / 600)
            if buckets.indices.contains(index) { buckets[index] += 1 }
        }
        let highest = max(1, buckets.max() ?? 1)
        let width = 720, height = 120, slot = 5
        var parts = ["<svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-labelledby=\"timeline-title\" preserveAspectRatio=\"none\">",
                     "<title id=\"timeline-title\">Fires per 10 minutes over the next 24 hours; busiest 10 minutes \(highest)</title>",
                     "<line class=\"axis\" x1=\"0\" y1=\"\(height)\" x2=\"\(width)\" y2=\"\(height)\"/>"]
        for hour in stride(from: 6, to: 24, by: 6) {
            parts.append("<line class=\"axis\" x1=\"\(hour * 6 * slot)\" y1=\"0\" x2=\"\(hour * 6 * slot)\" y2=\"\(height)\"/>")
        }
        for (index, count) in buckets.enumerated() where count > 0 {
            let barHeight = max(2, Double(height - 4) * Double(count) / Double(highest))
            parts.append("<rect class=\"bar bar-upcoming\" x=\"\(index * slot)\" y=\"\(DurationChart.number(Double(height) - barHeight))\" width=\"\(slot - 1)\" "
                + "height=\"\(DurationChart.number(barHeight))\"><title>in \(index * 10)–\(index * 10 + 10) min: \(count) fires</title></rect>")
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
