// Every refusal a form gets is shown where the person acted (issue 13.4).
//
// htmx swaps only 2xx by default.  The page's htmx-config swaps every 4xx; here an HTML
// refusal (the partial with its message, the same one a success renders) is swapped in
// place, and any other refusal (JSON {"error"} or {"detail"}, plain text) is not swapped
// (it would replace a section with raw JSON) but shown as a message right after the form
// or button that sent it.  Network failures and server errors say so in the same place.
(function () {
  "use strict";

  function sender(elt) {
    return (elt && elt.closest && elt.closest("form")) || elt;
  }

  function messageBox(elt) {
    var anchor = sender(elt);
    if (!anchor || !anchor.parentNode) { return null; }
    var next = anchor.nextElementSibling;
    if (next && next.classList.contains("form-message")) { return next; }
    var box = document.createElement("p");
    box.className = "message error form-message";
    box.setAttribute("role", "alert");
    anchor.parentNode.insertBefore(box, anchor.nextSibling);
    return box;
  }

  function show(elt, text) {
    var box = messageBox(elt);
    if (box) { box.textContent = text; }
  }

  function clear(elt) {
    var anchor = sender(elt);
    var next = anchor && anchor.nextElementSibling;
    if (next && next.classList.contains("form-message")) { next.remove(); }
  }

  function refusal(xhr) {
    var type = xhr.getResponseHeader("content-type") || "";
    var body = xhr.responseText || "";
    if (type.indexOf("json") !== -1) {
      try {
        var data = JSON.parse(body);
        var text = data.error || data.detail || data.message;
        if (text) { return String(text); }
      } catch (ignored) { /* fall through to the status line */ }
    } else if (type.indexOf("text/plain") === 0 && body.trim()) {
      return body.trim().slice(0, 300);
    }
    return "Not saved (the server answered " + xhr.status + ").";
  }

  // An undo button is only for who tapped, for two minutes (the server checks both).
  function undoButtons() {
    var me = document.body.getAttribute("data-user") || "";
    var now = Date.now() / 1000;
    document.querySelectorAll("form.undo").forEach(function (form) {
      var until = Number(form.getAttribute("data-until") || 0);
      var mine = form.getAttribute("data-by") === me && now < until;
      form.hidden = !mine;
      if (mine && !form.dataset.timer) {
        form.dataset.timer = "1";
        window.setTimeout(undoButtons, Math.max(0, (until - now) * 1000) + 50);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", undoButtons);
  document.addEventListener("htmx:afterSwap", undoButtons);
  document.addEventListener("htmx:wsAfterMessage", undoButtons);
  document.addEventListener("htmx:oobAfterSwap", undoButtons);

  document.addEventListener("htmx:beforeRequest", function (e) { clear(e.detail.elt); });

  document.addEventListener("htmx:beforeSwap", function (e) {
    var xhr = e.detail.xhr;
    if (!xhr || xhr.status < 400 || xhr.status >= 500) { return; }
    var type = xhr.getResponseHeader("content-type") || "";
    if (type.indexOf("text/html") === 0 && (xhr.responseText || "").trim()) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
      return;
    }
    e.detail.shouldSwap = false;
    e.detail.isError = false;
    show(e.detail.requestConfig ? e.detail.requestConfig.elt : e.detail.elt, refusal(xhr));
  });

  document.addEventListener("htmx:responseError", function (e) {
    // A busy database (503 with Retry-After) is busy.js's: it says so and saves again.
    if (e.detail.xhr.status === 503 && e.detail.xhr.getResponseHeader("Retry-After")) { return; }
    show(e.detail.elt, "Not saved: the server failed (" + e.detail.xhr.status +
         "). Try again; if it persists, tell the coordinator.");
  });

  document.addEventListener("htmx:sendError", function (e) {
    show(e.detail.elt, "Not sent: no connection to the server. Try again.");
  });
}());
