/* guestform embed script for venue pages.

   Paste where the form should appear:
     <script src="https://FORMS-HOST/embed.js" data-campaign="monster-mash" async></script>
   Optional attributes: data-source (an allowed form source; default iframe),
   data-booking-id, data-last-name, data-experience-date (prefill),
   data-title (the iframe's accessible name).

   The script inserts an iframe, follows its height, and fires a
   "guestform:submitted" event (detail: {campaign}) on the iframe and on the
   document when the guest has sent the form. Messages are accepted only
   from the form's own origin and from its own iframe. */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.dataset.campaign) {
    return;
  }

  var formOrigin = new URL(script.src, document.baseURI).origin;
  var campaign = script.dataset.campaign;
  var query = new URLSearchParams({ embed: "1" });
  var prefill = {
    source: "source",
    bookingId: "booking_id",
    lastName: "last_name",
    experienceDate: "experience_date"
  };
  Object.keys(prefill).forEach(function (key) {
    if (script.dataset[key]) {
      query.set(prefill[key], script.dataset[key]);
    }
  });

  var frame = document.createElement("iframe");
  frame.src = formOrigin + "/f/" + encodeURIComponent(campaign) + "?" + query;
  frame.title = script.dataset.title || "Guest questionnaire";
  frame.setAttribute("scrolling", "no");
  frame.style.cssText = "width:100%;border:0;display:block;overflow:hidden;height:480px";
  frame.className = "guestform-frame";
  script.parentNode.insertBefore(frame, script.nextSibling);

  window.addEventListener("message", function (event) {
    if (event.origin !== formOrigin || event.source !== frame.contentWindow) {
      return;
    }
    var message = event.data || {};
    if (message.type === "guestform:resize" && message.height > 0) {
      frame.style.height = Math.ceil(message.height) + "px";
    } else if (message.type === "guestform:submitted") {
      var detail = { campaign: String(message.campaign || campaign) };
      frame.dispatchEvent(new CustomEvent("guestform:submitted", { detail: detail, bubbles: true }));
    } else if (message.type === "guestform:navigated") {
      var top = frame.getBoundingClientRect().top;
      if (top < 0) {
        frame.scrollIntoView({ block: "start" });
      }
    }
  });
})();
