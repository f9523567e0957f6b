// Live updates for the board and movement pages (htmx 2 + ws extension).
// Every pushed message starts with <!--sync stream=S seq=N kind=K-->.  The page keeps the
// last number it applied; a gap or a heartbeat ahead of it asks the server to resync,
// two missed heartbeats show the STALE banner and reconnect.  No inline script anywhere
// (strict CSP), so this file is the only behaviour the pages have.
(function () {
  "use strict";
  var live = null, wrapper = null, lastSeq = 0, stream = "", heartbeatMs = 5000;
  var lastAlive = Date.now(), stale = false, staleSince = null;
  var HEADER = /^<!--sync stream=(\S+) from=(\d+) seq=(\d+) kind=(\w+)-->/;

  htmx.config.wsReconnectDelay = function (retry) {
    // Capped: a tablet back on Wi-Fi must not wait the default 64 s.
    var base = Math.min(500 * Math.pow(2, retry), 3000);
    return base / 2 + Math.random() * base / 2;
  };

  function send(obj) {
    if (wrapper) { wrapper.send(JSON.stringify(obj)); }
  }

  function setStale(on) {
    var banner = document.getElementById("stale-banner");
    if (!banner) { return; }
    if (on && !stale) {
      staleSince = new Date(lastAlive);
      document.getElementById("stale-since").textContent =
        staleSince.toLocaleTimeString("en-GB", {hour: "2-digit", minute: "2-digit", second: "2-digit",
          hour12: false, timeZone: document.body.dataset.tz || undefined});
      document.body.classList.add("is-stale");
    }
    if (!on) { document.body.classList.remove("is-stale"); }
    banner.hidden = !on;
    stale = on;
  }

  function reconnect() {
    if (wrapper) { wrapper.reconnect(); }
  }

  function init() {
    live = document.getElementById("live");
    if (!live) { return; }
    stream = live.dataset.stream;
    lastSeq = parseInt(live.dataset.seq || "0", 10);
    heartbeatMs = Math.max(1000, parseFloat(live.dataset.heartbeat || "5") * 1000);

    live.addEventListener("htmx:wsOpen", function (e) {
      wrapper = e.detail.socketWrapper;
      lastAlive = Date.now();
      send({hello: {stream: stream, after: lastSeq}});
    });
    live.addEventListener("htmx:wsClose", function (e) { wrapper = e.detail.socketWrapper; });
    live.addEventListener("htmx:wsBeforeMessage", function (e) {
      wrapper = e.detail.socketWrapper;
      var m = HEADER.exec(e.detail.message);
      if (!m || m[1] !== stream) { e.preventDefault(); return; }
      var first = parseInt(m[2], 10), seq = parseInt(m[3], 10), kind = m[4];
      lastAlive = Date.now();
      if (kind === "heartbeat") {
        e.preventDefault();
        if (seq > lastSeq) { send({resync: lastSeq}); } else { setStale(false); }
        return;
      }
      if (kind === "snapshot") { lastSeq = seq; setStale(false); return; }
      if (seq <= lastSeq) { e.preventDefault(); return; }       // already applied
      if (first > lastSeq + 1) { e.preventDefault(); send({resync: lastSeq}); return; }
      lastSeq = seq;
      setStale(false);
    });
    live.addEventListener("htmx:wsAfterMessage", applyFilters);

    setInterval(function () {
      if (Date.now() - lastAlive > 2.2 * heartbeatMs) {
        setStale(true);
        if (Date.now() - lastAlive > 2.2 * heartbeatMs + 1000) { lastAlive = Date.now() - 2.2 * heartbeatMs; reconnect(); }
      }
    }, 500);
    window.addEventListener("online", reconnect);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && (stale || Date.now() - lastAlive > heartbeatMs)) { reconnect(); }
    });
  }

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
