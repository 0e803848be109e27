// Renders the OpenAPI document (3.1) with the vendored Swagger UI 5; the page works offline.
"use strict";

(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // The default validator badge asks validator.swagger.io about the document: no network.
    validatorUrl: null,
    onComplete: function () {
      // Swagger UI leaves its server picker without a name for screen readers.
      var servers = document.getElementById("servers");
      if (servers && !servers.hasAttribute("aria-label")) {
        servers.setAttribute("aria-label", "Server");
      }
    },
  });
})();
