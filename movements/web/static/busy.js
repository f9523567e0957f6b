// A write that the database could not take in time is answered 503 with Retry-After
// (movements.domain.errors.Busy).  Say so on the page and send the same request again
// after that many seconds: the same element, so live.js gives it the same
// Idempotency-Key and the server applies it once.
(function () {
  "use strict";
  var MAX_TRIES = 30;
  var retrying = null;  // the element whose request is being sent again

  function flash(text, kind) {
    var el = document.getElementById("flash");
    if (!el) { return; }
    el.textContent = text;
    el.className = kind || "";
  }

  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr, elt = e.detail.elt;
    if (!xhr || xhr.status !== 503 || !elt) { return; }
    var wait = parseInt(xhr.getResponseHeader("Retry-After") || "1", 10);
    if (!(wait >= 0) || wait > 60) { wait = 1; }
    var tries = parseInt(elt.dataset.busyTries || "0", 10) + 1;
    if (tries > MAX_TRIES) {
      delete elt.dataset.busyTries;
      flash("Not saved: the server stayed busy. Please tap again.", "busy error");
      return;
    }
    elt.dataset.busyTries = String(tries);
    retrying = elt;
    flash("Busy, saving again in " + wait + " s…", "busy");
    var cfg = e.detail.requestConfig;
    var type = cfg && cfg.triggeringEvent ? cfg.triggeringEvent.type
      : (elt.tagName === "FORM" ? "submit" : "click");
    setTimeout(function () {
      if (document.body.contains(elt)) { htmx.trigger(elt, type); }
    }, wait * 1000);
  });

  // The answer replaces the tapped element, which then no longer bubbles events to the
  // document: clear the message when the reply is about to be swapped in (the target
  // is still in the page).
  document.addEventListener("htmx:beforeSwap", function (e) {
    var cfg = e.detail.requestConfig;
    if (retrying && cfg && cfg.elt === retrying && e.detail.xhr.status < 500) {
      delete retrying.dataset.busyTries;
      retrying = null;
      flash("", "");
    }
  });
})();
