import Foundation
import Mustache

/// What every page shows around its content: who is signed in, the CSRF token for its forms,
/// the navigation, and the event stream the page follows.
struct Chrome {
    var title: String
    var csrf: String?
    var user: String?
    var role: String?
    var canOperate: Bool
    var isAdmin: Bool
    /// `/api/v1/scheduler/events…` when the page updates live.
    var live: String?
    /// The page re-reads itself on the stream's events (and every 30 s) and replaces its main region.
    var refreshes = false
    var onJobs: Bool
    var onNew: Bool
    var onExecutions: Bool
    var onKeys: Bool
    var onStatus: Bool
    var onUpcoming: Bool

    init(title: String, csrf: String?, user: String?, role: String?, canOperate: Bool, isAdmin: Bool, live: String?, section: String) {
        self.title = title
        self.csrf = csrf
        self.user = user
        self.role = role
        self.canOperate = canOperate
        self.isAdmin = isAdmin
        self.live = live
        onJobs = section == "jobs"
        onNew = section == "new"
        onExecutions = section == "executions"
        onKeys = section == "keys"
        onStatus = section == "status"
        onUpcoming = section == "upcoming"
    }
}

extension Chrome {
    /// This chrome, for a page that refreshes itself live.
    func refreshing() -> Chrome {
        var chrome = self
        chrome.refreshes = true
        return chrome
    }
}

/// Named for Mustache without `Mirror` (see `JobRow`'s conformance): every page reads it.
extension Chrome: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "csrf": csrf
        case "user": user
        case "role": role
        case "canOperate": canOperate
        case "isAdmin": isAdmin
        case "live": live
        case "refreshes": refreshes
        case "onJobs": onJobs
        case "onNew": onNew
        case "onExecutions": onExecutions
        case "onKeys": onKeys
        case "onStatus": onStatus
        case "onUpcoming": onUpcoming
        default: nil
        }
    }
}
