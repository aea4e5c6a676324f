/// The jobs table's rows written straight to HTML, each value escaped once: the markup of the
/// `time` and `actions` partials, without Mustache's per-value lookups, casts and escaping,
/// which were two thirds of the jobs page's time with 50 rows (docs/PERFORMANCE.md).
struct JobRowsHTML {
    /// The session's CSRF token when the actions are shown (operators), else `nil`.
    var actionsToken: String?

    func render(_ rows: [JobRow]) -> String {
        var html = ""
        html.reserveCapacity(rows.count * 2_048)
        for row in rows { write(row, to: &html) }
        return html
    }

    private func write(_ row: JobRow, to html: inout String) {
        html += "<tr data-job-id=\""
        Self.escape(row.id, to: &html)
        html += "\" class=\"row-"
        Self.escape(row.state, to: &html)
        html += "\">\n<td class=\"name\"><a href=\""
        Self.escape(row.url, to: &html)
        html += "\" dir=\"auto\">"
        Self.escape(row.name, to: &html)
        html += "</a><br><code class=\"key\">"
        Self.escape(row.key, to: &html)
        html += "</code> <span class=\"task\">"
        Self.escape(row.task, to: &html)
        html += "</span>"
        if row.system { html += " <span class=\"tag\">system</span>" }
        html += "</td>\n<td data-label=\"Next run\">"
        if let next = row.nextRun { Self.write(next, to: &html) } else {
            html += "<span class=\"muted\">"
            Self.escape(row.state, to: &html)
            html += "</span>"
        }
        html += "</td>\n<td data-label=\"Last run\">"
        if let last = row.lastRun { Self.write(last, to: &html) } else { html += "<span class=\"muted\">never</span>" }
        html += "</td>\n<td class=\"number\" data-label=\"Priority\">\(row.priority)</td>\n<td data-label=\"Schedule\">"
        Self.escape(row.schedule, to: &html)
        html += "</td>\n<td data-label=\"Last status\"><span class=\"badge status-"
        Self.escape(row.lastStatus ?? "", to: &html)
        html += "\" data-field=\"last-status\">"
        Self.escape(row.lastStatus ?? "none", to: &html)
        html += "</span>"
        // Sparklines are drawn on the server from numbers and fixed words only, hence unescaped.
        if let sparkline = row.sparkline { html += "<br>" + sparkline }
        html += "</td>\n<td>"
        if let token = actionsToken { writeActions(row, token: token, to: &html) }
        html += "</td>\n</tr>\n"
    }

    private func writeActions(_ row: JobRow, token: String, to html: inout String) {
        html += "<form method=\"post\" action=\"/jobs/"
        Self.escape(row.id, to: &html)
        html += "/action\" class=\"actions\">\n<input type=\"hidden\" name=\"_csrf\" value=\""
        Self.escape(token, to: &html)
        html += "\"><input type=\"hidden\" name=\"return\" value=\""
        Self.escape(row.returnTo, to: &html)
        html += "\">\n"
        for action in row.actions {
            html += "<button type=\"submit\" name=\"action\" value=\""
            Self.escape(action.action, to: &html)
            html += "\" class=\"action\" data-action=\""
            Self.escape(action.action, to: &html)
            html += "\" aria-label=\""
            Self.escape(action.label, to: &html)
            html += ": "
            Self.escape(row.name, to: &html)
            html += "\">"
            Self.escape(action.label, to: &html)
            html += "</button>\n"
        }
        html += "</form>"
    }

    private static func write(_ time: TimeView, to html: inout String) {
        html += "<time datetime=\""
        escape(time.iso, to: &html)
        html += "\" class=\"when\">"
        escape(time.text, to: &html)
        html += "</time> <span class=\"relative\">("
        escape(time.relative, to: &html)
        html += ")</span>"
    }

    /// Appends `text` with `< > & " '` escaped as Mustache's `{{…}}` escapes them.
    static func escape(_ text: String, to html: inout String) {
        var start = text.utf8.startIndex
        var index = start
        let utf8 = text.utf8
        while index != utf8.endIndex {
            let replacement: String? =
                switch utf8[index] {
                case UInt8(ascii: "<"): "&lt;"
                case UInt8(ascii: ">"): "&gt;"
                case UInt8(ascii: "&"): "&amp;"
                case UInt8(ascii: "\""): "&quot;"
                case UInt8(ascii: "'"): "&#39;"
                default: nil
                }
            if let replacement {
                html += text[start..<index]
                html += replacement
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        html += text[start..<utf8.endIndex]
    }
}
