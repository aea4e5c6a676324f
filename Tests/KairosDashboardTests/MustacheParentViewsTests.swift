import Foundation
import KairosCore
@testable import KairosDashboard
import Mustache
import Testing

/// The jobs page's views answer Mustache's lookups by name instead of `Mirror`: each must
/// answer every one of its stored fields, with the value `Mirror` would give (nil for an
/// absent optional), and nothing else.
@Suite struct MustacheParentViewsTests {
    static func expectSameAsMirror(_ value: some MustacheParent) {
        let children = Mirror(reflecting: value).children
        #expect(!children.isEmpty)
        for child in children {
            guard let label = child.label else { continue }
            let mirrored: Any? = Mirror(reflecting: child.value).displayStyle == .optional
                ? Mirror(reflecting: child.value).children.first?.value : child.value
            let named = value.child(named: label)
            #expect(String(describing: named) == String(describing: mirrored), "\(type(of: value)).\(label)")
        }
        #expect(value.child(named: "notAField") == nil)
    }

    @Test func everyFieldOfTheJobsPageViewsIsNamed() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let spec = try JobSpec(key: "nightly", name: "Nightly", task: "system.noop", schedule: .cron(try CronSchedule(expression: "0 3 * * *")))
        let job = Job(id: UUID(), spec: spec, nextRunAt: now.addingTimeInterval(60), createdAt: now, updatedAt: now)
        var row = JobRow(job, now: now, returnTo: "/")
        Self.expectSameAsMirror(row)
        row.sparkline = Sparkline(outcomes: [.succeeded, .failed]).svg
        Self.expectSameAsMirror(row)
        Self.expectSameAsMirror(try #require(row.nextRun))
        Self.expectSameAsMirror(try #require(row.actions.first))
        let chrome = Chrome(title: "Jobs", csrf: "token", user: "admin", role: "admin", canOperate: true, isAdmin: true, live: nil, section: "jobs")
        Self.expectSameAsMirror(chrome)
        let option = Option(value: "a", label: "A", selected: true)
        let column = SortColumn(label: "Name", url: "/?sort=name", ariaSort: "none", arrow: "")
        Self.expectSameAsMirror(option)
        Self.expectSameAsMirror(column)
        Self.expectSameAsMirror(JobsPage(
            chrome: chrome, q: "", statuses: [option], tasks: [option], outcomes: [option], sort: "key", columns: [column], rows: [row], nextURL: nil,
            firstURL: "/", filtered: false))
    }
}
