//! The API reference at `/docs`: Swagger UI showing the document served at `/openapi.json`,
//! with "Try it out" authenticated by the `api_key` bearer scheme the document declares.
//!
//! The viewer's files come from `utoipa-swagger-ui`, which embeds the copy of Swagger UI
//! vendored in that crate at build time: building downloads nothing, and the page loads
//! nothing from outside this server. This module only serves those files; it must not decide
//! anything about the API, and like `/openapi.json` it needs no API key (it sits outside `/v1`).
//! Swagger UI is copyright SmartBear Software Inc. under the Apache License 2.0, Ordo's licence.

use std::sync::{Arc, LazyLock};

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use utoipa_swagger_ui::Config;

use crate::problem::Problem;

/// The page that hosts the viewer. Swagger UI ships an index page of its own; this one loads
/// the same files by absolute path, so `/docs` answers without a redirect to `/docs/`, and it
/// points readers without JavaScript at the document itself.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Ordo API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="stylesheet" href="/docs/index.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <noscript>The API reference needs JavaScript; the OpenAPI document it shows is at
    <a href="/openapi.json">/openapi.json</a>.</noscript>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js" charset="utf-8"></script>
  <script src="/docs/swagger-ui-standalone-preset.js" charset="utf-8"></script>
  <script src="/docs/swagger-initializer.js" charset="utf-8"></script>
</body>
</html>
"#;

/// The viewer's settings, written into `swagger-initializer.js`.
static CONFIG: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| {
    Arc::new(
        Config::from("/openapi.json")
            // Without the top bar, whose address box would invite loading other documents.
            .use_base_layout()
            // The key entered under "Authorize" survives a reload of the page.
            .persist_authorization(true)
            // The default validator is an online service that would be sent the document.
            .validator_url("none"),
    )
});

/// `/docs` and `/docs/`.
pub(crate) async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// `/docs/{*file}`: one of the viewer's files.
pub(crate) async fn file(Path(file): Path<String>) -> Response {
    if file == "index.html" {
        return page().await.into_response();
    }
    // The crate's error type is not `Send`, so only its message is kept across the await below.
    let served = utoipa_swagger_ui::serve(&file, CONFIG.clone()).map_err(|e| e.to_string());
    match served {
        Ok(Some(found)) => {
            let mut r = (StatusCode::OK, found.bytes.into_owned()).into_response();
            if let Ok(v) = HeaderValue::from_str(&found.content_type) {
                r.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            r
        }
        Ok(None) => crate::not_found().await,
        Err(e) => {
            tracing::error!(error = %e, file = %file, "the API reference could not be served");
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "an internal error occurred")
                .into_response()
        }
    }
}
