// Live updates for the board, movement and alerts pages: one WebSocket per page, owned
// here (not the htmx ws extension, whose reconnects could leave several open).
// Every pushed message starts with the sync header (see parseHeader).  The page keeps the
// last number it applied; a gap or a heartbeat ahead of it asks the server to resync,
// two missed heartbeats show the STALE banner and drop the socket; while disconnected a
// cheap probe runs every 250 ms so catch-up starts as soon as the network is back.
// No inline script anywhere (strict CSP), so this file is the only behaviour the pages have.
(function () {
  "use strict";
  // --- the header: one definition (movements/realtime/wire.py + sync_header.json) -----
  // The page receives the grammar on #live (data-sync); unknown fields are ignored, so a
  // field the server adds can never make the page drop pushes.
  var SPEC = null;
  var VALUE = {int: /^\d+$/, number: /^\d+(\.\d+)?$/, string: /^\S+$/, kind: /^[a-z]+$/};
  function parseHeader(text, spec) {
    spec = spec || SPEC;
    if (!spec || typeof text !== "string") { return null; }
    var m = new RegExp(spec.pattern).exec(text);
    if (!m) { return null; }
    var values = {}, tokens = m[1].split(" ").slice(1), fieldRe = new RegExp(spec.field_pattern);
    for (var i = 0; i < tokens.length; i++) {
      var f = fieldRe.exec(tokens[i]);
      if (!f) { return null; }
      if (!(f[1] in values)) { values[f[1]] = f[2]; }
    }
    for (i = 0; i < spec.required.length; i++) {
      if (!(spec.required[i] in values)) { return null; }
    }
    for (var name in spec.fields) {
      if (name in values && !VALUE[spec.fields[name]].test(values[name])) { return null; }
    }
    if (spec.kinds.indexOf(values.kind) < 0) { return null; }
    return {stream: values.stream, first: parseInt(values.from, 10), seq: parseInt(values.seq, 10),
            kind: values.kind, at: "at" in values ? parseFloat(values.at) : null,
            length: m[0].length};
  }

  // --- timings --------------------------------------------------------------------------
  var PROBE_INTERVAL = 250;   // ms between probes while the network seems gone
  var PROBE_TIMEOUT = 700;    // a probe that hangs longer counts as "no network"
  var HANDSHAKE_TIMEOUT = 2500; // open + first answer to hello, or the socket is abandoned
  var BACKOFF_MAX = 5000;     // only while the server itself refuses or fails

  var live = null, stream = "", lastSeq = 0, heartbeatMs = 5000, wsUrl = "";
  var ws = null, sockets = [], failures = 0, probing = false, stopped = false;
  var lastAlive = Date.now(), stale = false, resyncAt = 0;
  var counters = {opened: 0, abandoned: 0, probes: 0, messages: 0, resyncs: 0, staleShown: 0};

  function openCount() {
    sockets = sockets.filter(function (s) { return s.readyState !== WebSocket.CLOSED; });
    return sockets.length;
  }

  function setStale(on) {
    var banner = document.getElementById("stale-banner");
    if (!banner) { return; }
    if (on && !stale) {
      counters.staleShown++;
      document.getElementById("stale-since").textContent =
        new Date(lastAlive).toLocaleTimeString("en-GB", {hour: "2-digit", minute: "2-digit",
          second: "2-digit", hour12: false, timeZone: document.body.dataset.tz || undefined});
      document.body.classList.add("is-stale");
    }
    if (!on) { document.body.classList.remove("is-stale"); }
    banner.hidden = !on;
    stale = on;
  }

  function send(obj) {
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(obj)); }
  }

  function requestResync() {
    // One outstanding request at a time (the server coalesces too).
    if (Date.now() - resyncAt < 1500) { return; }
    resyncAt = Date.now();
    counters.resyncs++;
    send({resync: lastSeq});
  }

  // --- one socket per page ----------------------------------------------------------------
  function dropSocket() {
    var s = ws;
    ws = null;
    if (!s) { return; }
    s.onopen = s.onmessage = s.onerror = s.onclose = null;
    clearTimeout(s.handshakeTimer);
    try { s.close(1000, "replaced"); } catch (err) { /* already closing */ }
  }

  function openSocket() {
    if (stopped) { return; }
    dropSocket();  // the old one first: never two at once
    var s = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + wsUrl);
    ws = s;
    sockets.push(s);
    counters.opened++;
    s.greeted = false;
    s.handshakeTimer = setTimeout(function () {
      if (ws === s && !s.greeted) { counters.abandoned++; dropSocket(); lost(0); }
    }, HANDSHAKE_TIMEOUT);
    s.onopen = function () {
      resyncAt = 0;
      s.send(JSON.stringify({hello: {stream: stream, after: lastSeq}}));
    };
    s.onmessage = function (ev) {
      if (!s.greeted) { s.greeted = true; clearTimeout(s.handshakeTimer); failures = 0; }
      receive(ev.data);
    };
    s.onclose = function (ev) {
      if (ws !== s) { return; }
      clearTimeout(s.handshakeTimer);
      ws = null;
      lost(ev.code, s.greeted);
    };
  }

  var reloadKey = "movements.live.reloaded";
  function lost(code, wasGreeted) {
    if (code === 1008) {
      // The session no longer allows this socket (signed out, rights changed): let the
      // server decide what this page becomes, but never loop.
      stopped = true;
      setStale(true);
      var last = parseInt(sessionStorage.getItem(reloadKey) || "0", 10);
      if (Date.now() - last > 60000) {
        sessionStorage.setItem(reloadKey, String(Date.now()));
        location.reload();
      }
      return;
    }
    // The server said it failed or is restarting, or refused before any answer: back off.
    if (code === 1011 || code === 1012 || code === 1013 || code === 4001 || code === 4002 ||
        (code === 1006 && wasGreeted === false)) {
      failures++;
    }
    probe();
  }

  function backoff() {
    if (failures <= 0) { return 0; }
    var base = Math.min(500 * Math.pow(2, failures - 1), BACKOFF_MAX);
    return base / 2 + Math.random() * base / 2;  // jitter: tablets spread after a restart
  }

  // While disconnected: a cheap probe every PROBE_INTERVAL, so the socket opens within
  // a fraction of a second of the network coming back, not at a backoff step.
  function probe() {
    if (probing || stopped || ws) { return; }
    probing = true;
    var wait = backoff();
    setTimeout(function attempt() {
      if (stopped || ws) { probing = false; return; }
      counters.probes++;
      var ctl = window.AbortController ? new AbortController() : null;
      var timer = setTimeout(function () { if (ctl) { ctl.abort(); } }, PROBE_TIMEOUT);
      fetch("/healthz", {cache: "no-store", credentials: "omit", signal: ctl ? ctl.signal : undefined})
        .then(function (r) {
          clearTimeout(timer);
          if (r.ok) { probing = false; openSocket(); return; }
          failures++;  // the server answers but fails: back off with jitter
          setTimeout(attempt, backoff());
        }, function () {
          clearTimeout(timer);
          setTimeout(attempt, PROBE_INTERVAL);  // no network: probe again soon
        });
    }, wait);
  }

  function reconnectNow() {
    if (stopped) { return; }
    if (ws && ws.greeted && Date.now() - lastAlive < 2.2 * heartbeatMs) { return; }
    dropSocket();
    probe();
  }

  // --- applying what arrives ----------------------------------------------------------------
  function receive(text) {
    counters.messages++;
    var h = parseHeader(text);
    if (!h || h.stream !== stream) { return; }
    lastAlive = Date.now();
    if (h.kind === "heartbeat") {
      if (h.seq > lastSeq) { requestResync(); } else { setStale(false); }
      return;
    }
    var body = text.slice(h.length);
    if (h.kind !== "snapshot") {
      if (h.seq <= lastSeq) { return; }            // already applied
      if (h.first > lastSeq + 1) { requestResync(); return; }
    }
    lastSeq = h.seq;
    resyncAt = 0;
    setStale(false);
    apply(body);
  }

  // Pushed fragments wait while the element they replace is in use: a finger on it, a
  // focused or edited field, an open form, or a message the person has not acted on yet.
  // They are applied as soon as that ends (latest fragment per element wins).
  var pending = {}, order = [], touching = null, acked = new WeakSet();

  function busy(el) {
    if (touching && (el === touching || el.contains(touching))) { return true; }
    // A finger on the board: no row moves or grows under it until the touch ends.
    if (touching && touching.closest("#lanes") && (el.id === "lanes" || el.closest("#lanes"))) {
      return true;
    }
    var active = document.activeElement;
    if (active && active !== document.body && el.contains(active) &&
        active.matches("input, textarea, select")) { return true; }
    var fields = el.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden") { continue; }
      if (f.matches("input[type=checkbox], input[type=radio]")) {
        if (f.checked !== f.defaultChecked) { return true; }
      } else if (f.tagName === "SELECT") {
        // Unchanged when the chosen option is the one the page came with (the first one
        // when none is marked selected).
        var initial = 0;
        for (var j = 0; j < f.options.length; j++) {
          if (f.options[j].defaultSelected) { initial = j; break; }
        }
        if (!f.multiple && f.selectedIndex !== initial) { return true; }
      } else if (f.value !== f.defaultValue) { return true; }
    }
    var open = el.querySelectorAll("details[open]");
    for (i = 0; i < open.length; i++) { if (open[i].dataset.userOpened === "1") { return true; } }
    // Feedback a reply brought (role alert/status), not standing hints styled alike.
    // A tap that never reached the server (data-unsent, forms.js) is no refusal: the server's
    // state of this thing is what counts, so it does not hold the fragment (see flush).
    var messages = el.querySelectorAll(".message[role]:not([data-unsent])");
    for (i = 0; i < messages.length; i++) { if (!acked.has(messages[i])) { return true; } }
    return false;
  }

  // The pushed or caught-up state replaces a row whose tap failed offline; the person is
  // told, on the new row, that the tap was not sent and the row has changed meanwhile.
  function carryUnsent(target, el) {
    if (!target || !target.querySelector(".message[data-unsent]")) { return; }
    var note = document.createElement("p");
    note.className = "message warn form-message unsent-replaced";
    note.setAttribute("role", "status");
    note.dataset.unsent = "1";
    note.textContent = document.body.getAttribute("data-msg-unsent-replaced") ||
      "Your tap was not sent (no connection). This has changed since, possibly by someone " +
      "else: check what it shows now before tapping again.";
    var cells = el.querySelectorAll("[role=cell]");
    (cells.length ? cells[cells.length - 1] : el).appendChild(note);
  }

  function apply(body) {
    var tpl = document.createElement("template");
    tpl.innerHTML = body;
    Array.prototype.slice.call(tpl.content.children).forEach(function (el) {
      var oob = el.getAttribute("hx-swap-oob");
      if (!oob || !el.id) { return; }
      el.removeAttribute("hx-swap-oob");
      if (oob === "delete") { el.dataset.delete = "1"; }
      if (!(el.id in pending)) { order.push(el.id); }
      pending[el.id] = el;
    });
    flush();
  }

  function flush() {
    var keep = [], changed = false;
    order.forEach(function (id) {
      var el = pending[id], target = document.getElementById(id);
      if (target && busy(target)) { keep.push(id); return; }
      delete pending[id];
      changed = true;
      if (el.dataset.delete === "1") { if (target) { target.remove(); recount(); } return; }
      if (target) { carryUnsent(target, el); target.replaceWith(el); } else if (!el.classList.contains("mv")) { return; }
      if (el.classList.contains("mv")) { place(el); }
      htmx.process(el);
      // What other scripts do with fresh content (forms.js: the tapper's undo button,
      // field limits) they do with pushed content too.
      el.dispatchEvent(new CustomEvent("movements:applied", {bubbles: true}));
    });
    order = keep;
    if (changed) { applyFilters(); }
  }

  // A board row takes the place a fresh page would give it: its lane, by data-order.
  function place(row) {
    var lane = document.querySelector('.lane[data-lane="' + row.dataset.lane + '"] .rows');
    if (!lane) { return; }
    var empty = lane.querySelector(".row.empty");
    if (empty) { empty.remove(); }
    var rows = lane.querySelectorAll(".row.mv"), before = null;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i] !== row && rows[i].dataset.order > row.dataset.order) { before = rows[i]; break; }
    }
    if (row.parentNode !== lane || row.nextElementSibling !== before) {
      lane.insertBefore(row, before);  // null: at the end
    }
    recount();
  }

  // Counts and placeholders as a fresh page renders them (partials/lanes.html): a lane
  // a push emptied shows its "No ... on this day." row again (text from data-empty).
  function recount() {
    document.querySelectorAll(".lane").forEach(function (sec) {
      var count = sec.querySelector(".lane-count");
      var n = sec.querySelectorAll(".row.mv").length;
      if (count) { count.textContent = String(n); }
      var rows = sec.querySelector(".rows[data-empty]");
      if (rows && n === 0 && !rows.querySelector(".row.empty")) {
        var row = document.createElement("div"), cell = document.createElement("span");
        row.setAttribute("role", "row");
        row.className = "row empty";
        cell.setAttribute("role", "cell");
        cell.textContent = rows.dataset.empty;
        row.appendChild(cell);
        rows.appendChild(row);
      }
    });
  }

  function whenActed() {
    // The person acted: messages on screen have been seen; held fragments may go in once
    // this interaction is over (never under the finger that is tapping).
    document.querySelectorAll(".message[role]").forEach(function (m) { acked.add(m); });
  }
  document.addEventListener("pointerdown", function (e) {
    whenActed();
    touching = e.target.closest ? e.target.closest(".row, [id]") : null;
  }, true);
  document.addEventListener("keydown", whenActed, true);
  function released() { touching = null; setTimeout(flush, 0); }
  document.addEventListener("pointerup", released, true);
  document.addEventListener("pointercancel", released, true);
  document.addEventListener("click", function () { setTimeout(flush, 0); }, true);
  document.addEventListener("focusout", function () { setTimeout(flush, 0); });
  document.addEventListener("toggle", function (e) {
    if (e.target.tagName === "DETAILS") {
      e.target.dataset.userOpened = e.target.open ? "1" : "0";
      if (!e.target.open) { setTimeout(flush, 0); }
    }
  }, true);
  document.addEventListener("htmx:afterSwap", function (e) {
    // A reply just replaced part of the page: a held fragment that covers it is older
    // than the reply, so it must not go in; ask for a fresh snapshot instead (applied,
    // like any fragment, once the person is done with what the reply shows).
    var target = e.detail && e.detail.target, stale = false;
    // After an outerHTML swap the target is the replaced (detached) node: use its successor.
    if (target && target.id && !target.isConnected) { target = document.getElementById(target.id); }
    if (target) {
      order = order.filter(function (id) {
        var held = document.getElementById(id);
        if (held && (held === target || held.contains(target) || target.contains(held))) {
          delete pending[id];
          stale = true;
          return false;
        }
        return true;
      });
    }
    if (stale) { requestResync(); }  // anything newer than the reply arrives as a replay
    setTimeout(flush, 0);
  });

  function init() {
    live = document.getElementById("live");
    if (!live || !live.dataset.ws) { return; }
    try { SPEC = JSON.parse(live.dataset.sync); } catch (err) { SPEC = null; }
    stream = live.dataset.stream;
    wsUrl = live.dataset.ws;
    lastSeq = parseInt(live.dataset.seq || "0", 10);
    heartbeatMs = Math.max(500, parseFloat(live.dataset.heartbeat || "5") * 1000);
    openSocket();

    setInterval(function () {
      var quiet = Date.now() - lastAlive;
      if (quiet > 2.2 * heartbeatMs && !stopped) {
        setStale(true);
        // Open but silent (a stalled network): drop it and probe.
        if (ws && (ws.greeted || quiet > 2.2 * heartbeatMs + HANDSHAKE_TIMEOUT)) {
          dropSocket();
          probe();
        }
      }
      if (order.length) { flush(); }
    }, 250);
    window.addEventListener("online", reconnectNow);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { reconnectNow(); }
    });
  }

  window.movementsLive = {
    parseHeader: function (text, spec) {
      if (!spec && !SPEC) {
        var el = document.getElementById("live");
        if (el && el.dataset.sync) { SPEC = JSON.parse(el.dataset.sync); }
      }
      return parseHeader(text, spec);
    },
    sockets: openCount,
    counters: function () { return Object.assign({seq: lastSeq, pending: order.length}, counters); }
  };

  // Filters (lane, need, case search) act on the rendered rows, so pushed rows obey them.
  // Lane and need choices are remembered on this device (a gate tablet keeps its view).
  var laneFilter = "all", needFilters = {}, caseQuery = "";
  try {
    var saved = JSON.parse(localStorage.getItem("movements.filters") || "{}");
    laneFilter = saved.lane || "all";
    needFilters = saved.needs || {};
  } catch (err) { /* storage off: start unfiltered */ }
  function saveFilters() {
    try {
      localStorage.setItem("movements.filters", JSON.stringify({lane: laneFilter, needs: needFilters}));
    } catch (err) { /* storage off */ }
  }
  function showPressed() {
    document.querySelectorAll("[data-filter-lane]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.filterLane === laneFilter));
    });
    document.querySelectorAll("[data-filter-need]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(!!needFilters[b.dataset.filterNeed]));
    });
  }
  function applyFilters() {
    document.querySelectorAll(".lane").forEach(function (sec) {
      sec.hidden = laneFilter !== "all" && sec.dataset.lane !== laneFilter;
    });
    document.querySelectorAll(".row.mv").forEach(function (row) {
      var needs = (row.dataset.needs || "").split(" ");
      var ok = Object.keys(needFilters).every(function (n) {
        if (!needFilters[n]) { return true; }
        if (n === "open") { return row.dataset.done !== "1"; }
        return needs.indexOf(n) >= 0;
      });
      if (ok && caseQuery) { ok = (row.dataset.cases || "").toUpperCase().indexOf(caseQuery) >= 0; }
      row.hidden = !ok;
    });
  }
  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-filter-lane],[data-filter-need]");
    if (!t) { return; }
    if (t.dataset.filterLane) {
      laneFilter = t.dataset.filterLane;
    } else {
      var n = t.dataset.filterNeed;
      needFilters[n] = !needFilters[n];
    }
    showPressed();
    saveFilters();
    applyFilters();
  });
  document.addEventListener("input", function (e) {
    if (e.target.id === "case-search") { caseQuery = e.target.value.trim().toUpperCase(); applyFilters(); }
  });

  // Every write carries an idempotency key (kept on the form, so a retry of the same
  // submission reuses it) and the CSRF token.
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  document.addEventListener("htmx:configRequest", function (e) {
    if (e.detail.verb === "get") { return; }
    var elt = e.detail.elt;
    if (!elt.dataset.idem) { elt.dataset.idem = newKey(); }
    e.detail.headers["Idempotency-Key"] = elt.dataset.idem;
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { e.detail.headers["X-CSRF-Token"] = meta.content; }
  });
  document.addEventListener("htmx:afterSwap", applyFilters);
  document.addEventListener("DOMContentLoaded", function () { init(); showPressed(); applyFilters(); });
})();
