// Swagger UI's set-up for /schema (app/web/swagger.py): a file, not an inline script, so
// that the page runs under the same Content-Security-Policy as every other page.
(function () {
  "use strict";
  var container = document.getElementById("swagger-container");
  if (!container || !window.SwaggerUIBundle) {
    return;
  }
  document.body.style.margin = "0";
  var cookieName = container.getAttribute("data-csrf-cookie");
  var headerName = container.getAttribute("data-csrf-header");

  function csrfToken() {
    var prefix = cookieName + "=";
    var found = document.cookie.split("; ").filter(function (part) {
      return part.indexOf(prefix) === 0;
    })[0];
    return found ? decodeURIComponent(found.slice(prefix.length)) : undefined;
  }

  window.ui = window.SwaggerUIBundle({
    url: container.getAttribute("data-openapi-url"),
    dom_id: "#swagger-container",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
    requestInterceptor: function (request) {
      var token = cookieName ? csrfToken() : undefined;
      if (token !== undefined && headerName) {
        request.headers[headerName] = token;
      }
      return request;
    },
  });
})();
