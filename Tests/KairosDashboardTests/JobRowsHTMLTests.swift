import Foundation
import KairosCore
import Mustache
import Testing

@testable import KairosDashboard

/// The jobs table's rows, written without Mustache, are the markup the template wrote before:
/// the same elements, attributes and escaped text, row for row.
@Suite struct JobRowsHTMLTests {
    /// The rows as the jobs template rendered them (with the real `time` and `actions` partials).
    static let reference = """
        {{#rows}}
        <tr data-job-id="{{id}}" class="row-{{state}}">
        <td class="name"><a href="{{url}}" dir="auto">{{name}}</a><br><code class="key">{{key}}</code> <span class="task">{{task}}</span>{{#system}} <span class="tag">system</span>{{/system}}</td>
        <td data-label="Next run">{{#nextRun}}{{> time}}{{/nextRun}}{{^nextRun}}<span class="muted">{{state}}</span>{{/nextRun}}</td>
        <td data-label="Last run">{{#lastRun}}{{> time}}{{/lastRun}}{{^lastRun}}<span class="muted">never</span>{{/lastRun}}</td>
        <td class="number" data-label="Priority">{{priority}}</td>
        <td data-label="Schedule">{{schedule}}</td>
        <td data-label="Last status"><span class="badge status-{{lastStatus}}" data-field="last-status">{{lastStatus}}{{^lastStatus}}none{{/lastStatus}}</span>{{#sparkline}}<br>{{{sparkline}}}{{/sparkline}}</td>
        <td>{{> actions}}</td>
        </tr>
        {{/rows}}
        """

    struct Page {
        var chrome: Chrome
        var rows: [JobRow]
    }

    static func rows() throws -> [JobRow] {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let cron = try CronSchedule(expression: "0 3 * * *", timeZone: "Asia/Tokyo")
        var named = try JobSpec(key: "nightly", name: #"<script>alert("x") & 'y'</script>"#, task: "system.noop", schedule: .cron(cron))
        named.priority = 7
        var paused = try JobSpec(key: "arabic", name: "تقرير يومي", task: "http.request", schedule: .interval(try IntervalSchedule(seconds: 90)))
        paused.paused = true
        var disabled = try JobSpec(key: "off", task: "system.noop", schedule: .cron(cron))
        disabled.enabled = false
        let jobs = [
            Job(id: UUID(), spec: named, nextRunAt: now.addingTimeInterval(60), lastRunAt: now.addingTimeInterval(-30), lastStatus: .failed, createdAt: now, updatedAt: now),
            Job(id: UUID(), spec: paused, nextRunAt: nil, createdAt: now, updatedAt: now, system: true),
            Job(id: UUID(), spec: disabled, nextRunAt: nil, lastRunAt: now, lastStatus: .succeeded, createdAt: now, updatedAt: now),
        ]
        return jobs.enumerated().map { index, job in
            var row = JobRow(job, now: now, returnTo: "/?q=a&sort=-name")
            if index != 1 { row.sparkline = Sparkline(outcomes: [.succeeded, .failed, .missed]).svg }
            return row
        }
    }

    /// Line breaks and the indentation after them are not part of what a browser shows here.
    static func normalized(_ html: String) -> String {
        html.replacing(/\n[ \t]*/, with: "")
    }

    @Test("the same markup as the template's", arguments: [true, false])
    func sameAsTheTemplate(canOperate: Bool) throws {
        var library = PageRenderer.shared.library
        try library.register(Self.reference, named: "rows-reference")
        let chrome = Chrome(
            title: "Jobs", csrf: "token-\"1\"", user: "u", role: canOperate ? "operator" : "viewer", canOperate: canOperate, isAdmin: false, live: nil,
            section: "jobs")
        let rows = try Self.rows()
        let expected = try #require(library.render(Page(chrome: chrome, rows: rows), withTemplate: "rows-reference"))
        let written = JobRowsHTML(actionsToken: canOperate ? chrome.csrf : nil).render(rows)
        #expect(Self.normalized(written) == Self.normalized(expected))
        #expect(written.contains("&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"))
        #expect(written.contains("data-action=\"pause\"") == canOperate)
    }

    @Test("escaping", arguments: [
        ("plain", "plain"), ("", ""), ("<>&\"'", "&lt;&gt;&amp;&quot;&#39;"), ("a<b", "a&lt;b"), ("é<ü>", "é&lt;ü&gt;"), ("تقرير & co", "تقرير &amp; co"),
    ])
    func escaping(text: String, escaped: String) {
        var html = ""
        JobRowsHTML.escape(text, to: &html)
        #expect(html == escaped)
    }
}
