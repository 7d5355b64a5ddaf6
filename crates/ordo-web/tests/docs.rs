//! The API reference at `/docs`: a real server on 127.0.0.1:0 must serve the viewer and every
//! file it needs itself, with no API key, pointed at this server's OpenAPI document.

use std::sync::Arc;

use ordo_app::{App, SystemClock};
use reqwest::redirect::Policy;

struct Server {
    base: String,
    client: reqwest::Client,
}

async fn start() -> Server {
    let dir = ordo_store::testing::temp_dir("docs");
    let store = ordo_store::open(&dir.join("ordo.db").to_string_lossy(), &Default::default()).unwrap();
    let app = App::new(store, Arc::new(SystemClock));
    let router = ordo_web::router(ordo_web::AppState::new(app, ordo_web::WebConfig::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    // No redirects followed: each page must answer by itself.
    Server { base, client: reqwest::Client::builder().redirect(Policy::none()).build().unwrap() }
}

impl Server {
    async fn get(&self, path: &str) -> (u16, String, Vec<u8>) {
        let r = self.client.get(format!("{}{path}", self.base)).send().await.unwrap();
        let status = r.status().as_u16();
        let content_type = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        (status, content_type, r.bytes().await.unwrap().to_vec())
    }
}

/// The values of every `src="..."` and `href="..."` attribute in a page.
fn linked(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attr) {
            let rest = &html[at + attr.len()..];
            out.push(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    out
}

#[tokio::test]
async fn the_docs_page_loads_the_viewer_from_this_server() {
    let s = start().await;
    for path in ["/docs", "/docs/"] {
        let (status, content_type, body) = s.get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(content_type.starts_with("text/html"), "{path}: {content_type}");
        let html = String::from_utf8(body).unwrap();
        assert!(html.contains(r#"<script src="/docs/swagger-ui-bundle.js""#), "{html}");
        assert!(html.contains(r#"<link rel="stylesheet" href="/docs/swagger-ui.css">"#), "{html}");
        let links = linked(&html);
        assert!(links.len() >= 6, "{links:?}");
        for link in links {
            assert!(link.starts_with('/') && !link.starts_with("//"), "{path} loads {link} from elsewhere");
            let (status, _, _) = s.get(&link).await;
            assert_eq!(status, 200, "{path} links {link}");
        }
    }
}

#[tokio::test]
async fn the_viewer_script_and_stylesheet_are_served_with_their_content_types() {
    let s = start().await;
    for script in
        ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui-standalone-preset.js", "/docs/swagger-initializer.js"]
    {
        let (status, content_type, body) = s.get(script).await;
        assert_eq!(status, 200, "{script}");
        assert!(
            content_type.starts_with("text/javascript") || content_type.starts_with("application/javascript"),
            "{script}: {content_type}"
        );
        assert!(!body.is_empty(), "{script}");
    }
    let (_, _, bundle) = s.get("/docs/swagger-ui-bundle.js").await;
    assert!(bundle.len() > 100_000 && String::from_utf8_lossy(&bundle).contains("SwaggerUIBundle"));
    let (status, content_type, body) = s.get("/docs/swagger-ui.css").await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/css"), "{content_type}");
    assert!(String::from_utf8_lossy(&body).contains(".swagger-ui"));
}

#[tokio::test]
async fn the_viewer_is_pointed_at_the_openapi_document_and_keeps_the_key_entered() {
    let s = start().await;
    let (_, _, body) = s.get("/docs/swagger-initializer.js").await;
    let script = String::from_utf8(body).unwrap();
    assert!(script.contains(r#""url": "/openapi.json""#), "{script}");
    assert!(script.contains(r#""persistAuthorization": true"#), "{script}");
    assert!(script.contains(r#""validatorUrl": "none""#), "{script}");
    assert!(!script.contains("petstore"), "{script}");

    let (status, content_type, body) = s.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/json");
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let scheme = &doc["components"]["securitySchemes"]["api_key"];
    assert_eq!((scheme["type"].as_str(), scheme["scheme"].as_str()), (Some("http"), Some("bearer")));
}

#[tokio::test]
async fn a_file_the_viewer_does_not_have_is_a_problem_document() {
    let s = start().await;
    let (status, content_type, _) = s.get("/docs/nope.js").await;
    assert_eq!(status, 404);
    assert_eq!(content_type, "application/problem+json");
}
