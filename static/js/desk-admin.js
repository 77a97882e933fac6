/* The staff pages run under a Content-Security-Policy without inline script
   (security_headers.py). Flask-Admin's templates still carry a few inline event handlers
   (the bulk actions menu, the filter menu, the delete confirmation) and `javascript:` links;
   the browser would refuse them. This file turns each into a listener, so the upstream
   templates stay as they are. */
(function () {
  "use strict";
  var ACTION = /modelActions\.execute\('([^']*)'\)/;
  var CONFIRM = /safeConfirm\('((?:[^'\\]|\\.)*)'\)/;

  function upgrade(el) {
    var code = el.getAttribute("onclick") || "";
    el.removeAttribute("onclick");
    var action = ACTION.exec(code);
    var confirmation = CONFIRM.exec(code);
    el.addEventListener("click", function (event) {
      if (action) {
        event.preventDefault();
        window.modelActions.execute(action[1]);
      } else if (confirmation) {
        if (!window.confirm(confirmation[1].replace(/\\(.)/g, "$1"))) event.preventDefault();
      } else {
        event.preventDefault(); /* "return false;" */
      }
    });
  }

  function run() {
    document.querySelectorAll("[onclick]").forEach(upgrade);
    document.querySelectorAll('a[href^="javascript:"]').forEach(function (a) {
      a.setAttribute("href", "#");
      a.addEventListener("click", function (event) { event.preventDefault(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
