import Hummingbird
import KairosStore

/// The request context of every route: Hummingbird's core storage plus the API key the
/// request was authenticated with (`nil` on public routes and with auth disabled).
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var apiKey: APIKeyRecord?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.apiKey = nil
    }
}
