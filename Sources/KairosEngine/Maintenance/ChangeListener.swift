import KairosStore
import ServiceLifecycle

/// Turns the changes other instances commit to a shared store (``StoreChangeFeed``) into the
/// wake-ups the engine gives itself after its own: the scheduler looks at the due jobs again,
/// idle workers claim, and the workers forget the fires they claimed ahead of a job another
/// instance paused, disabled or deleted. A change it never hears of waits for the safety poll
/// (`EngineConfiguration.idlePollInterval`).
final class ChangeListener: Service, Sendable {
    private let feed: any StoreChangeFeed
    private let scheduler: SchedulerService?
    private let workers: WorkerPool?

    init(feed: any StoreChangeFeed, scheduler: SchedulerService?, workers: WorkerPool?) {
        self.feed = feed
        self.scheduler = scheduler
        self.workers = workers
    }

    func run() async throws {
        for await change in feed.changes().cancelOnGracefulShutdown() {
            switch change {
            case .jobs: scheduler?.jobsChanged()
            case .work: workers?.workAvailable()
            case .jobStopped(let jobId, let at): workers?.dropFiresAhead(of: jobId, scheduledAfter: at)
            }
        }
    }
}
