//! The page and everything it loads, embedded in the binary and served from this fixed table:
//! a URL path either is one of these names or gets a 404, so no request can reach the file
//! system (there is no path to traverse).

const TABLE: &[(&str, &str, &[u8])] = &[
    ("/", "text/html; charset=utf-8", include_bytes!("assets/index.html")),
    ("/index.html", "text/html; charset=utf-8", include_bytes!("assets/index.html")),
    ("/app.js", "text/javascript; charset=utf-8", include_bytes!("assets/app.js")),
    ("/views.js", "text/javascript; charset=utf-8", include_bytes!("assets/views.js")),
    ("/app.css", "text/css; charset=utf-8", include_bytes!("assets/app.css")),
    ("/vendor/uPlot.iife.min.js", "text/javascript; charset=utf-8", include_bytes!("assets/vendor/uPlot.iife.min.js")),
    ("/vendor/uPlot.min.css", "text/css; charset=utf-8", include_bytes!("assets/vendor/uPlot.min.css")),
    ("/vendor/uPlot-LICENSE", "text/plain; charset=utf-8", include_bytes!("assets/vendor/uPlot-LICENSE")),
    ("/favicon.ico", "image/svg+xml", include_bytes!("assets/favicon.svg")),
];

/// The body and content type of the asset at `path`, if there is one.
pub fn find(path: &str) -> Option<(&'static [u8], &'static str)> {
    TABLE.iter().find(|(p, _, _)| *p == path).map(|(_, mime, body)| (*body, *mime))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_table_is_served() {
        assert!(super::find("/").is_some() && super::find("/app.js").is_some());
        for p in ["/../Cargo.toml", "/%2e%2e/Cargo.toml", "/vendor/../app.js", "//etc/passwd", "/src/main.rs", ""] {
            assert!(super::find(p).is_none(), "{p}");
        }
    }
}
