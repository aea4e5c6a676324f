import HTTPTypes
import Hummingbird
import KairosHTTP

extension KairosDashboard {
    /// The stylesheet, the script and the icon: public, cached for an hour, with the security headers.
    func addAssetRoutes(to router: Router<APIRequestContext>) {
        let assets: [(String, [UInt8], String)] = [
            ("/assets/dashboard.css", PackageResources.dashboard_css, "text/css; charset=utf-8"),
            ("/assets/dashboard.js", PackageResources.dashboard_js, "text/javascript; charset=utf-8"),
            ("/assets/favicon.svg", PackageResources.favicon_svg, "image/svg+xml"),
        ]
        for (path, bytes, type) in assets {
            router.get(RouterPath(path)) { _, _ -> Response in
                var headers = DashboardHeaders.security
                headers[.contentType] = type
                headers[.cacheControl] = "public, max-age=3600"
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }
    }
}
