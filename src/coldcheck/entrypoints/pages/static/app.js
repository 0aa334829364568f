// Every production screen: live alerts, the status strip, and never a silently stale page.
// - alerts come as server-sent events with ids; a dropped stream reconnects by itself with
//   the last id, so the server replays what was missed (or says it cannot: "resync");
// - the strip says Connected / "Offline since 11:58 — states may be out of date", how long
//   ago it was updated, the armory, stop-work and the counts;
// - a form that cannot be sent (offline, or the session ended) says so and keeps what was
//   typed; a refresh or lookup that finds the session ended says "sign in again".
(function () {
  "use strict";
  var body = document.body;
  var production = body.getAttribute("data-production");
  var zone = body.getAttribute("data-tz") || undefined;
  var PING_SECONDS = 5, STALE_AFTER = 16, STRIP_EVERY = 10;
  var state = { offlineSince: null, sessionEnded: false, lastUpdate: Date.now(), lastContact: Date.now() };
  var cc = window.coldcheck = window.coldcheck || {};
  cc.state = state;

  function $(id) { return document.getElementById(id); }
  function hhmm(ms) {
    try {
      return new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: zone });
    } catch (e) { return new Date(ms).toTimeString().slice(0, 5); }
  }

  // -- the strip ---------------------------------------------------------------------------
  function paint() {
    var conn = $("strip-conn"), age = $("strip-age");
    if (!conn) { return; }
    if (state.sessionEnded) {
      conn.textContent = "Session ended — sign in again";
      conn.className = "conn conn-off";
    } else if (state.offlineSince) {
      conn.textContent = "Offline since " + hhmm(state.offlineSince) + " — states may be out of date";
      conn.className = "conn conn-off";
    } else {
      conn.textContent = "Connected";
      conn.className = "conn conn-on";
    }
    var s = Math.max(0, Math.round((Date.now() - state.lastUpdate) / 1000));
    age.textContent = s < 2 ? "updated just now" : "updated " + (s < 120 ? s + " s" : Math.round(s / 60) + " min") + " ago";
    age.classList.toggle("stale", s > 30);
  }
  function offline() {
    if (!state.offlineSince) { state.offlineSince = Date.now(); }
    body.classList.add("is-offline");
    paint();
  }
  function online() {
    state.lastContact = Date.now();
    if (state.offlineSince) {
      state.offlineSince = null;
      body.classList.remove("is-offline");
      hideTrouble("offline");
      refreshAll();
    }
    paint();
  }
  function updated() { state.lastUpdate = Date.now(); online(); }
  cc.updated = updated;

  function trouble(kind, text, withSignin) {
    var box = $("trouble");
    if (!box) { return; }
    box.setAttribute("data-kind", kind);
    $("trouble-text").textContent = text;
    $("trouble-signin").hidden = !withSignin;
    box.hidden = false;
  }
  function hideTrouble(kind) {
    var box = $("trouble");
    if (box && box.getAttribute("data-kind") === kind) { box.hidden = true; }
  }
  function sessionEnded() {
    if (state.sessionEnded) { return; }
    state.sessionEnded = true;
    body.classList.add("session-ended");
    trouble("session", "Your session ended — sign in again. What you typed on this screen is kept and comes back after you sign in.", true);
    if (source) { source.close(); source = null; }
    paint();
  }
  cc.sessionEnded = sessionEnded;

  function refreshStrip() {
    if (!production || state.sessionEnded) { return; }
    fetch("/p/" + encodeURIComponent(production) + "/strip", {
      headers: { "X-Coldcheck-Fetch": "1" }, credentials: "same-origin", cache: "no-store"
    }).then(function (r) {
      if (r.status === 401) { sessionEnded(); return null; }
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null || html === undefined) { return; }
      var target = $("strip-body");
      if (target) { target.innerHTML = html; }
      updated();
    }).catch(function () { offline(); });
  }
  function refreshAll() {
    body.dispatchEvent(new CustomEvent("cc-refresh"));
    refreshStrip();
  }

  // -- alerts --------------------------------------------------------------------------------
  // the page was made as of this alert: the stream replays anything newer, from the start
  var source = null, lastId = body.getAttribute("data-alert-id") || null;
  var retryMs = 2000, retryTimer = null;
  function note(text) {
    var feed = $("alert-feed");
    var item = document.createElement("p");
    item.textContent = text;
    feed.prepend(item);
    while (feed.childElementCount > 5) { feed.lastElementChild.remove(); }
  }
  function seen(ev) {
    if (ev.lastEventId) { lastId = ev.lastEventId; } // a ping carries the stream's last id
    retryMs = 2000;
    online();
  }
  function connect() {
    if (!production || !window.EventSource || state.sessionEnded) { return; }
    var url = "/api/v1/alerts/stream?production=" + encodeURIComponent(production);
    if (lastId) { url += "&last_event_id=" + encodeURIComponent(lastId); }
    source = new EventSource(url);
    var es = source;
    es.onopen = function () { retryMs = 2000; online(); };
    es.addEventListener("ping", seen);
    es.addEventListener("stop_work", function (ev) {
      seen(ev);
      var alert = JSON.parse(ev.data);
      $("stop-work-reason").textContent = alert.message.replace(/^STOP WORK — /, "");
      $("stop-work-banner").hidden = false;
      note(alert.message);
      refreshAll();
    });
    es.addEventListener("stop_work_lifted", function (ev) {
      seen(ev);
      $("stop-work-banner").hidden = true;
      note(JSON.parse(ev.data).message);
      refreshAll();
    });
    ["blank_load", "incident", "overdue", "pin_held", "sign_in_wait"].forEach(function (kind) {
      es.addEventListener(kind, function (ev) { seen(ev); note(JSON.parse(ev.data).message); refreshAll(); });
    });
    es.addEventListener("resync", function (ev) {
      seen(ev);
      note(JSON.parse(ev.data).message);
      refreshAll();
    });
    es.addEventListener("session_ended", function () { sessionEnded(); });
    es.onerror = function () {
      if (es !== source) { return; }
      offline();
      if (es.readyState === EventSource.CLOSED) { reconnectLater(); }
      // CONNECTING: the browser retries by itself and sends Last-Event-ID
    };
  }
  function reconnectLater() {
    if (source) { source.close(); source = null; }
    if (retryTimer || state.sessionEnded) { return; }
    refreshStrip(); // tells a dropped network (offline) from an ended session (401)
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      connect();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, 15000);
  }
  // a stream can die without an error (Wi-Fi gone, no TCP reset): the pings stop
  window.setInterval(function () {
    if (source && Date.now() - state.lastContact > STALE_AFTER * 1000) {
      offline();
      reconnectLater();
    }
    paint();
  }, 1000);
  if (production) {
    window.setInterval(refreshStrip, STRIP_EVERY * 1000);
    connect();
  }
  // the device lost its network: the stream cannot work; reconnect (with the last id, so
  // the server replays what was missed) as soon as the network is back
  window.addEventListener("offline", function () {
    offline();
    if (source) { source.close(); source = null; }
  });
  window.addEventListener("online", function () {
    retryMs = 500;
    refreshStrip();
    if (!source) { reconnectLater(); }
  });

  // -- htmx refreshes and lookups ----------------------------------------------------------------
  document.addEventListener("htmx:sendError", offline);
  document.addEventListener("htmx:responseError", function (ev) {
    if (ev.detail && ev.detail.xhr && ev.detail.xhr.status === 401) { sessionEnded(); }
  });
  document.addEventListener("htmx:afterRequest", function (ev) {
    if (ev.detail && ev.detail.successful) { updated(); }
  });
  // the handover: once a weapon is chosen, offer the performer today's plan gives it to
  document.addEventListener("htmx:afterSwap", function () {
    var chosen = document.querySelector(".handover-weapon[data-planned]");
    var to = document.getElementById("ho-to");
    var planned = chosen && chosen.getAttribute("data-planned");
    if (to && planned && !to.value) { to.value = planned; }
  });

  // -- forms that cannot be sent -------------------------------------------------------------------
  function say(form, text) {
    var box = form.querySelector(".not-sent");
    if (!box) {
      box = document.createElement("p");
      box.className = "not-sent";
      box.setAttribute("role", "alert");
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = text;
    box.scrollIntoView({ block: "center" });
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") { return; }
    if (form.hasAttribute("data-no-keep")) { return; }
    var down = state.offlineSince || navigator.onLine === false;
    if (state.sessionEnded) {
      ev.preventDefault();
      say(form, "Not sent: your session ended — sign in again. What you typed is kept.");
      return;
    }
    if (down) {
      ev.preventDefault();
      if (!state.offlineSince) { offline(); }
      say(form, "Not sent: no connection to the cart's server since " + hhmm(state.offlineSince) +
        ". What you typed is still here — send it again when the strip says Connected.");
      return;
    }
    if (cc.keep) { cc.keep.save(); } // brought back if the session turns out to have ended
  }, true);

  paint();
})();
