/* The staff pages run under a Content-Security-Policy without inline script
   (security_headers.py). Flask-Admin's templates carried inline event handlers (the bulk
   actions menu, the filter menu, the delete confirmation); our copies of them
   (templates/admin/actions.html, model/layout.html, model/row_actions.html) carry data
   attributes instead, bound here. A page waiting on background work (the monthly report's
   status page, templates/admin/monthly_report_status.html) marks its live region with
   data-desk-poll: the page is asked for again every few seconds until the region's state
   changes, then the new state is put in place (announced as a live region; the page is never
   reloaded under the reader, which a timed refresh would do). */
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

  function poll(region) {
    var url = region.getAttribute("data-desk-poll");
    var seconds = parseInt(region.getAttribute("data-desk-poll-seconds"), 10) || 3;
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (response.status >= 500) return undefined; // a restart or a deploy: ask again
          return response.ok ? response.text() : null; // refused or gone: the link stays
        })
        .then(function (html) {
          if (html === undefined) return poll(region);
          if (html === null) return;
          var page = new DOMParser().parseFromString(html, "text/html");
          var fresh = page.getElementById(region.id);
          if (!fresh) return; // another page (the session ended): the reload link stays
          var state = fresh.getAttribute("data-desk-state");
          if (state === region.getAttribute("data-desk-state")) return poll(region);
          region.setAttribute("data-desk-state", state);
          region.removeAttribute("data-desk-poll");
          region.innerHTML = fresh.innerHTML;
        })
        .catch(function () {
          poll(region); // a network hiccup: ask again; the reload link stays meanwhile
        });
    }, seconds * 1000);
  }
  var waiting = document.querySelectorAll("[data-desk-poll]");
  for (var i = 0; i < waiting.length; i++) poll(waiting[i]);
})();
