/*
 * guestform's embed script, for venue pages.
 *
 * Paste one tag where the form should appear:
 *
 *   <script src="https://FORMS-HOST/embed.js" data-campaign="monster-mash" async></script>
 *
 * Optional attributes:
 *   data-source           a source the campaign allows (default "iframe")
 *   data-booking-id, data-last-name, data-experience-date
 *                         fill in the lookup step
 *   data-title            the iframe's accessible name
 *
 * The script puts an iframe after itself, keeps it as tall as the form's
 * content, and when the guest has sent the form fires a bubbling
 * "guestform:submitted" event on the iframe whose detail is
 * {campaign: "<slug>"}; nothing a guest typed ever reaches this page.
 * Messages count only when they come from the form's own origin and from
 * this script's own iframe, so several forms can share one page.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.dataset.campaign) {
    return;
  }

  var formOrigin = new URL(script.src, document.baseURI).origin;
  var campaign = script.dataset.campaign;
  var query = new URLSearchParams({ embed: "1" });
  var passed = {
    source: "source",
    bookingId: "booking_id",
    lastName: "last_name",
    experienceDate: "experience_date"
  };
  Object.keys(passed).forEach(function (key) {
    if (script.dataset[key]) {
      query.set(passed[key], script.dataset[key]);
    }
  });

  var frame = document.createElement("iframe");
  frame.src = formOrigin + "/f/" + encodeURIComponent(campaign) + "?" + query;
  frame.title = script.dataset.title || "Guest questionnaire";
  frame.className = "guestform-frame";
  /* The frame grows with its content, so it never needs a scrollbar of
     its own; the starting height fits the first step on most screens. */
  frame.setAttribute("scrolling", "no");
  frame.style.cssText =
    "display:block;width:100%;border:0;overflow:hidden;height:560px";
  script.parentNode.insertBefore(frame, script.nextSibling);

  /* Introduce this page to the form after each step loads, for browsers
     that do not tell the frame who its parent is. */
  frame.addEventListener("load", function () {
    frame.contentWindow.postMessage({ type: "guestform:hello" }, formOrigin);
  });

  window.addEventListener("message", function (event) {
    if (event.origin !== formOrigin || event.source !== frame.contentWindow) {
      return;
    }
    var message = event.data || {};
    if (message.type === "guestform:resize") {
      var height = Math.ceil(Number(message.height));
      if (height > 0 && height < 100000) {
        frame.style.height = height + "px";
      }
    } else if (message.type === "guestform:submitted") {
      frame.dispatchEvent(
        new CustomEvent("guestform:submitted", {
          detail: { campaign: campaign },
          bubbles: true
        })
      );
    } else if (message.type === "guestform:navigated") {
      /* A new step starts at its top; if the guest had scrolled past the
         frame's top, bring it back into view. */
      if (frame.getBoundingClientRect().top < 0) {
        frame.scrollIntoView({ block: "start" });
      }
    }
  });
})();
