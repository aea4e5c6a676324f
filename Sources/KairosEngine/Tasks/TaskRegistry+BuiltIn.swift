import AsyncHTTPClient
import Foundation
import KairosStore

extension TaskRegistry {
    /// The built-in tasks (README.md, built-in tasks): `http.request`, `shell.command` (refused
    /// unless `allowShellTasks`), `system.cleanup-history`, `system.noop` and `system.sleep`.
    ///
    /// ```swift
    /// var registry = TaskRegistry.builtIn(httpClient: client, history: store, allowShellTasks: false)
    /// registry.register("demo.hello") { _, _ in "hello" }
    /// ```
    public static func builtIn(
        httpClient: HTTPClient, history: any ExecutionHistory, allowShellTasks: Bool,
        now: @escaping @Sendable () -> Date = { Date() }
    ) -> TaskRegistry {
        var registry = TaskRegistry()
        registry.register(NoopTask())
        registry.register(SleepTask())
        registry.register(HTTPRequestTask(httpClient: httpClient))
        registry.register(ShellCommandTask(allowed: allowShellTasks))
        registry.register(CleanupHistoryTask(history: history, now: now))
        return registry
    }
}
