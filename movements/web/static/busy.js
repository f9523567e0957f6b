// A write that the database could not take in time is answered 503 with Retry-After
// (movements.domain.errors.Busy).  Say so on the page and send the same request again
// after that many seconds: the same element, so live.js gives it the same
// Idempotency-Key and the server applies it once.
//
// htmx dispatches a request's events on the element that sent it.  The retried save
// commits, and then both the reply and the live push of the same change come back; the
// push often wins and live.js replaces the whole row, the sending form included.  From
// then on that form is detached, and its events (beforeSwap, afterRequest...) no longer
// bubble to the document.  So a document listener never hears the retried save end and
// the "Busy" message stays.  Hence: the first 503 is heard on the document (the form is
// still in the page); from then on this script listens on the element itself, which
// hears its own events attached or not.
(function () {
  "use strict";
  var MAX_TRIES = 30;

  function flash(text, kind) {
    var el = document.getElementById("flash");
    if (!el) { return; }
    el.textContent = text;
    el.className = kind || "";
  }

  function retryAfter(xhr) {
    var wait = parseInt(xhr.getResponseHeader("Retry-After") || "1", 10);
    return (wait >= 0 && wait <= 60) ? wait : 1;
  }

  function finished(elt) {
    delete elt.dataset.busyTries;
    flash("", "");
  }

  // Answered 503: say so and send the same request again after Retry-After.
  function busy(elt, xhr, cfg) {
    var tries = parseInt(elt.dataset.busyTries || "0", 10) + 1;
    if (tries > MAX_TRIES) {
      delete elt.dataset.busyTries;
      flash("Not saved: the server stayed busy. Please tap again.", "busy error");
      return;
    }
    elt.dataset.busyTries = String(tries);
    var wait = retryAfter(xhr);
    flash("Busy, saving again in " + wait + " s…", "busy");
    var type = cfg && cfg.triggeringEvent ? cfg.triggeringEvent.type
      : (elt.tagName === "FORM" ? "submit" : "click");
    setTimeout(function () {
      if (!elt.isConnected) {
        // Someone else's change replaced the row meanwhile: nothing of ours was saved
        // (a 503 writes nothing), and the person must see the new state before acting.
        delete elt.dataset.busyTries;
        flash("Not saved: this row changed while the server was busy. Please check it " +
              "and tap again.", "busy error");
        return;
      }
      watch(elt);
      htmx.trigger(elt, type);
    }, wait * 1000);
  }

  // The retried request's end, heard on the element itself (see the top).
  function watch(elt) {
    if (elt.busyWatched) { return; }
    elt.busyWatched = true;
    elt.addEventListener("htmx:afterRequest", function (e) {
      if (e.detail.elt !== elt || !elt.dataset.busyTries) { return; }
      var xhr = e.detail.xhr;
      if (xhr && xhr.status === 503) {
        busy(elt, xhr, e.detail.requestConfig);
      } else {
        finished(elt);  // saved, refused (forms.js shows why) or failed (forms.js says so)
      }
    });
  }

  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr, elt = e.detail.elt;
    if (!xhr || xhr.status !== 503 || !elt || elt.dataset.busyTries) { return; }
    busy(elt, xhr, e.detail.requestConfig);
  });
})();
