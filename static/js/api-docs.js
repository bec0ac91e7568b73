// The API reference page: Swagger UI (vendored, static/vendor/swagger-ui) on the generated openapi.json.
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") { return; }
  var csrf = document.querySelector('input[name="csrf_token"]');
  window.SwaggerUIBundle({
    url: node.getAttribute("data-spec-url"),
    domNode: node,
    deepLinking: true,
    validatorUrl: null,  // no call to an outside validator
    tryItOutEnabled: false,
    requestInterceptor: function (req) {
      // "Try it out" with the signed-in session: writes need the CSRF token, as any JSON write does.
      if (csrf && !req.headers.Authorization) { req.headers["X-CSRFToken"] = csrf.value; }
      return req;
    }
  });
}());
