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
        // "message": a domain refusal in the reader's language; "error": its English.
        var text = data.message || data.error || data.detail;
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
  document.addEventListener("movements:applied", undoButtons);  // a live push (live.js)

  // A field's maxlength makes the browser cut a longer paste without a word.  So the
  // limit moves to data-maxlength (the browser no longer cuts), a count shows under the
  // field as it nears or passes the limit, and the server refuses an overlong value
  // saying the limit and keeping the text (input_rules): nothing is lost in silence.
  // Converted on load, on every swap, and just in time for a paste or drop into a field
  // a live push brought.
  function unlimit(field) {
    if (!field.hasAttribute || !field.hasAttribute("maxlength")) { return; }
    field.dataset.maxlength = field.getAttribute("maxlength");
    field.removeAttribute("maxlength");
    count(field);
  }
  function unlimitAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("input[maxlength], textarea[maxlength]")) { unlimit(scope); }
    scope.querySelectorAll("input[maxlength], textarea[maxlength]").forEach(unlimit);
  }
  function count(field) {
    var max = parseInt(field.dataset.maxlength || "", 10);
    if (!(max > 0)) { return; }
    var n = Array.from(field.value).length;  // characters, as the server counts them
    var box = field.nextElementSibling;
    if (!box || !box.classList.contains("char-count")) {
      box = document.createElement("small");
      box.className = "char-count";
      box.setAttribute("aria-live", "polite");
      field.parentNode.insertBefore(box, field.nextSibling);
    }
    var over = n > max;
    box.classList.toggle("over", over);
    // Only the mark the counter set is the counter's to clear: a field the server
    // refused keeps its aria-invalid until the form is sent again.
    if (over) {
      field.setAttribute("aria-invalid", "true");
      field.dataset.overLimit = "1";
    } else if (field.dataset.overLimit) {
      field.removeAttribute("aria-invalid");
      delete field.dataset.overLimit;
    }
    // The words come from the page (base.html renders them in the reader's language).
    var words = document.body.getAttribute(over ? "data-msg-count-over" : "data-msg-count") ||
      (over ? "{n} characters: {over} more than the {max} allowed. Shorten it to save."
            : "{n} of {max} characters");
    box.textContent = (over || n >= max * 0.9)
      ? words.replace("{n}", String(n)).replace("{over}", String(n - max)).replace("{max}", String(max))
      : "";
  }
  document.addEventListener("DOMContentLoaded", function () { unlimitAll(document); });
  document.addEventListener("htmx:load", function (e) { unlimitAll(e.detail.elt); });
  document.addEventListener("movements:applied", function (e) { unlimitAll(e.target); });
  ["paste", "drop", "focusin"].forEach(function (type) {
    document.addEventListener(type, function (e) { unlimit(e.target); }, true);
  });
  document.addEventListener("input", function (e) {
    if (e.target.dataset && e.target.dataset.maxlength) { count(e.target); }
  });

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

  // Control characters (a NUL pasted from a terminal or a file): the server refuses
  // them (422, input_rules.py), and for a plain form that reply is a new page and the
  // typed text is gone.  Every form is checked here before it is sent: the message
  // stands under the form, the field is marked, the text stays (issue 13, newcomer).
  // A telex form (data-telex) may hold the SOH/STX/ETX framing characters.
  var CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
  var TELEX_CONTROL = /[\u0000\u0004-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
  function controlIn(form) {
    var pattern = form.hasAttribute("data-telex") ? TELEX_CONTROL : CONTROL;
    var fields = form.querySelectorAll("textarea, input:not([type=hidden]):not([type=file])");
    for (var i = 0; i < fields.length; i++) {
      var at = String(fields[i].value || "").search(pattern);
      if (at >= 0) { return {field: fields[i], at: at}; }
    }
    return null;
  }
  function controlMessage(found) {
    var label = found.field.closest("label");
    var name = label ? label.textContent.replace(found.field.value, "").trim().split("\n")[0]
                     : (found.field.getAttribute("name") || "");
    var code = found.field.value.charCodeAt(found.at).toString(16).toUpperCase();
    var template = document.body.getAttribute("data-msg-control") ||
      "{field}: character {at} is an invisible control character (U+{code}). Remove it; nothing was sent, your text is kept.";
    return template.replace("{field}", name).replace("{at}", String(found.at + 1))
                   .replace("{code}", ("000" + code).slice(-4));
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form || form.tagName !== "FORM") { return; }
    var found = controlIn(form);
    if (!found) { return; }
    e.preventDefault();
    e.stopImmediatePropagation();  // htmx listens on the form: it never sees this submit
    found.field.setAttribute("aria-invalid", "true");
    show(form, controlMessage(found));
    found.field.focus();
    if (found.field.setSelectionRange) {
      try { found.field.setSelectionRange(found.at, found.at + 1); } catch (ignored) { /* type */ }
    }
  }, true);

  // "Put the sample in the box": a button with data-fill-from (the sample's id) and
  // data-fill-into (the box's selector) copies the sample into the paste box.
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button[data-fill-from]");
    if (!button) { return; }
    var from = document.getElementById(button.getAttribute("data-fill-from"));
    var into = document.querySelector(button.getAttribute("data-fill-into"));
    if (!from || !into) { return; }
    into.value = from.textContent;
    into.dispatchEvent(new Event("input", {bubbles: true}));
    into.focus();
    into.scrollIntoView({block: "center"});
  });

  document.addEventListener("htmx:sendError", function (e) {
    show(e.detail.elt, "Not sent: no connection to the server. Try again.");
  });
}());
