import ServiceLifecycle

/// Runs `service` once its ``StoreClock`` has been set to the store's (by the heartbeat's first
/// measurement), so that the scheduler's and the workers' first decisions are made in the
/// store's time too. A shutdown before that ends it without running `service`.
struct ClockAlignedService: Service {
    let service: any Service
    let clock: StoreClock

    func run() async throws {
        await cancelWhenGracefulShutdown { await clock.synchronized() }
        guard clock.offset != nil, !Task.isCancelled else { return }
        try await service.run()
    }
}
