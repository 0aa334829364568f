// Live alerts: stop-work banner and announcements on every screen of a production.
(function () {
  "use strict";
  var production = document.body.getAttribute("data-production");
  if (!production || !window.EventSource) { return; }
  var banner = document.getElementById("stop-work-banner");
  var reason = document.getElementById("stop-work-reason");
  var feed = document.getElementById("alert-feed");
  var source = new EventSource("/api/v1/alerts/stream?production=" + encodeURIComponent(production));
  function refresh() { document.body.dispatchEvent(new CustomEvent("cc-refresh")); }
  function note(text) {
    var item = document.createElement("p");
    item.textContent = text;
    feed.prepend(item);
    while (feed.childElementCount > 5) { feed.lastElementChild.remove(); }
  }
  source.addEventListener("stop_work", function (ev) {
    var alert = JSON.parse(ev.data);
    reason.textContent = alert.message.replace(/^STOP WORK — /, "");
    banner.hidden = false;
    note(alert.message);
    refresh();
  });
  source.addEventListener("stop_work_lifted", function (ev) {
    banner.hidden = true;
    note(JSON.parse(ev.data).message);
    refresh();
  });
  ["blank_load", "incident", "overdue"].forEach(function (kind) {
    source.addEventListener(kind, function (ev) { note(JSON.parse(ev.data).message); refresh(); });
  });
})();
