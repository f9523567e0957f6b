// Starts the vendored Swagger UI on /schema (no inline script: the page's CSP forbids it).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("swagger");
  if (!box || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: box.getAttribute("data-spec"),
    domNode: box,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
