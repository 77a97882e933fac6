/* The staff pages run under a Content-Security-Policy without inline script
   (security_headers.py). Flask-Admin's templates carried inline event handlers (the bulk
   actions menu, the filter menu, the delete confirmation); our copies of them
   (templates/admin/actions.html, model/layout.html, model/row_actions.html) carry data
   attributes instead, bound here. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-desk-action], [data-desk-confirm], [data-desk-noop]");
    if (!target) return;
    if (target.hasAttribute("data-desk-action")) {
      event.preventDefault();
      window.modelActions.execute(target.getAttribute("data-desk-action"));
    } else if (target.hasAttribute("data-desk-confirm")) {
      if (!window.confirm(target.getAttribute("data-desk-confirm"))) event.preventDefault();
    } else {
      event.preventDefault();
    }
  });
})();
