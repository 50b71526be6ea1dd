/*
 * guestform pages: move focus to what the guest must read first, send a
 * form once, and, inside an iframe, tell the embedding page the height of
 * the content and when the answers were sent.
 *
 * Every page works without this file; it only improves them.
 */
(function () {
  "use strict";

  /* After a failed post the error summary (or, failing that, the notice
     that explains why the guest is back) takes focus, so that screen
     readers announce it and keyboard users start from it. */
  function focusFirstMessage() {
    var target = document.querySelector("[data-error-summary], [data-notice]");
    if (target) {
      target.focus();
    }
  }

  /* A link in the summary points at a field by id. Browsers scroll to it
     but leave focus where it was; put focus in the field itself, and
     bring its label into view above it. */
  function linkSummaryToFields() {
    var links = document.querySelectorAll("[data-error-summary] a[href^='#']");
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) {
          return;
        }
        var control = target.matches("input, select, textarea")
          ? target
          : target.querySelector("input, select, textarea");
        if (!control) {
          return;
        }
        event.preventDefault();
        var wrapper = target.closest(".field, fieldset") || target;
        wrapper.scrollIntoView({ block: "start" });
        control.focus({ preventScroll: true });
      });
    });
  }

  /* A double click, or an impatient second click, must not post twice:
     the first submit marks the form; later ones are cancelled. The button
     stays enabled for assistive technology but says it is busy. */
  function submitOnce() {
    var forms = document.querySelectorAll("form[data-submit-once]");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent === "yes") {
          event.preventDefault();
          return;
        }
        form.dataset.sent = "yes";
        form.setAttribute("aria-busy", "true");
        Array.prototype.forEach.call(
          form.querySelectorAll("button[type=submit]"),
          function (button) {
            button.setAttribute("aria-disabled", "true");
          }
        );
      });
    });
    /* Coming back through the browser's history restores the page as it
       was left; let the guest send it again. */
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(forms, function (form) {
        form.dataset.sent = "";
        form.removeAttribute("aria-busy");
        Array.prototype.forEach.call(
          form.querySelectorAll("button[aria-disabled]"),
          function (button) {
            button.removeAttribute("aria-disabled");
          }
        );
      });
    });
  }

  /* The origins allowed to frame this page are the campaign's
     frame_ancestors, as CSP host sources (https://venue.example,
     https://*.venue.example, http://localhost:*). */
  function isAllowed(origin) {
    var allowed = JSON.parse(document.body.dataset.parentOrigins || "[]");
    var o = /^(https?):\/\/([^:/]+)(?::([0-9]+))?$/.exec(origin || "");
    if (!o) {
      return false;
    }
    return allowed.some(function (pattern) {
      var p = /^(https?):\/\/(\*\.)?([^:/*]+)(?::(\*|[0-9]+))?$/i.exec(pattern);
      if (!p || p[1] !== o[1]) {
        return false;
      }
      var host = p[3].toLowerCase();
      var hostMatches = p[2]
        ? o[2].slice(-(host.length + 1)) === "." + host
        : o[2] === host;
      var portMatches = p[4] === "*" || (p[4] || "") === (o[3] || "");
      return hostMatches && portMatches;
    });
  }

  /* Messages go to one origin only: the parent's, once it is known and
     allowed. Chromium and WebKit name it in location.ancestorOrigins;
     elsewhere (or when the iframe hides it with referrerpolicy) the embed
     script introduces itself with a "guestform:hello" message, whose
     origin the browser vouches for. Until then messages wait. */
  var parentOrigin = null;
  var waiting = [];

  function tellParent(message) {
    if (window.parent === window) {
      return;
    }
    if (parentOrigin) {
      window.parent.postMessage(message, parentOrigin);
    } else {
      waiting.push(message);
    }
  }

  function adoptParent(origin) {
    if (parentOrigin || !isAllowed(origin)) {
      return;
    }
    parentOrigin = origin;
    waiting.splice(0).forEach(tellParent);
  }

  function listenForParent() {
    var ancestors = window.location.ancestorOrigins;
    if (ancestors && ancestors.length) {
      adoptParent(ancestors[0]);
    }
    window.addEventListener("message", function (event) {
      if (event.source === window.parent && event.data &&
          event.data.type === "guestform:hello") {
        adoptParent(event.origin);
        tellParent({ type: "guestform:resize", height: contentHeight() });
      }
    });
  }

  /* The height of the content, not of the frame: scrollHeight never drops
     below the frame's own height, so a page that got shorter (errors
     fixed, the thank-you page) would keep the old height. */
  function contentHeight() {
    return Math.ceil(document.documentElement.getBoundingClientRect().height);
  }

  function followHeight() {
    var last = 0;
    function report() {
      var height = contentHeight();
      if (height !== last) {
        last = height;
        tellParent({ type: "guestform:resize", height: height });
      }
    }
    report();
    if (window.ResizeObserver) {
      new ResizeObserver(report).observe(document.documentElement);
    } else {
      window.addEventListener("resize", report);
      document.addEventListener("input", report);
    }
    window.addEventListener("load", report);
  }

  // The thank-you page is told the answers were just sent by "sent=1" in
  // its address; dropping it means a reload shows the page but does not
  // tell the venue's page a second time.
  function forgetSent() {
    var url = new URL(window.location.href);
    url.searchParams.delete("sent");
    window.history.replaceState(window.history.state, "", url.toString());
  }

  document.addEventListener("DOMContentLoaded", function () {
    submitOnce();
    linkSummaryToFields();
    focusFirstMessage();
    if (document.body.classList.contains("is-embedded")) {
      listenForParent();
      followHeight();
      tellParent({ type: "guestform:navigated" });
      var thanks = document.querySelector("[data-submitted]");
      if (thanks) {
        tellParent({ type: "guestform:submitted", campaign: thanks.dataset.submitted });
        forgetSent();
      }
    }
  });
})();
