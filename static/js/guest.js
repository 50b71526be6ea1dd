/* guestform pages: focus the error summary, send a form once, and talk to
   the embedding page (height and the submitted event) when in an iframe. */
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  function submitOnce() {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent === "yes") {
          event.preventDefault();
          return;
        }
        form.dataset.sent = "yes";
        form.querySelectorAll("button[type=submit]").forEach(function (button) {
          button.setAttribute("aria-disabled", "true");
          button.classList.add("is-sending");
        });
      });
      /* Coming back through the browser's history restores the page as it
         was left; let the guest send it again. */
      window.addEventListener("pageshow", function () {
        form.dataset.sent = "";
      });
    });
  }

  /* The origins allowed to frame this page, as the server rendered them
     from the campaign's frame_ancestors (CSP source expressions such as
     https://venue.example, https://*.venue.example, http://127.0.0.1:*).
     Messages go only to the parent's origin when the browser tells it and
     it is allowed; otherwise to each exact allowed origin (the browser
     drops the ones that do not match the parent). */
  function matches(pattern, origin) {
    var p = /^(https?):\/\/(\*\.)?([^:/*]+)(?::(\*|[0-9]+))?$/.exec(pattern);
    var o = /^(https?):\/\/([^:/]+)(?::([0-9]+))?$/.exec(origin);
    if (!p || !o || p[1] !== o[1]) {
      return false;
    }
    var host = p[2] ? o[2].slice(-(p[3].length + 1)) === "." + p[3] : o[2] === p[3];
    var port = p[4] === "*" || (p[4] || "") === (o[3] || "");
    return host && port;
  }

  function parentOrigins() {
    var allowed = JSON.parse(document.body.dataset.parentOrigins || "[]");
    var ancestors = window.location.ancestorOrigins;
    if (ancestors && ancestors.length) {
      var parent = ancestors[0];
      return allowed.some(function (p) { return matches(p, parent); }) ? [parent] : [];
    }
    return allowed.filter(function (p) { return p.indexOf("*") < 0; });
  }

  function tellParent(message) {
    if (window.parent === window) {
      return;
    }
    parentOrigins().forEach(function (origin) {
      window.parent.postMessage(message, origin);
    });
  }

  function followHeight() {
    var last = 0;
    function report() {
      var height = document.documentElement.scrollHeight;
      if (height !== last) {
        last = height;
        tellParent({ type: "guestform:resize", height: height });
      }
    }
    report();
    if (window.ResizeObserver) {
      new ResizeObserver(report).observe(document.body);
    }
    window.addEventListener("load", report);
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    submitOnce();
    if (document.body.classList.contains("is-embedded")) {
      followHeight();
      tellParent({ type: "guestform:navigated" });
      var thanks = document.querySelector("[data-submitted]");
      if (thanks) {
        tellParent({ type: "guestform:submitted", campaign: thanks.dataset.submitted });
      }
    }
  });
})();
