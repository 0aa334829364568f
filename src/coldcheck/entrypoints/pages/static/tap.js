// Tap the drawing: on the inspection each tap on a chamber steps through what was found
// (the radio buttons follow, and the other way round); on the load a tap ticks or unticks
// the position to fill. Keyboard: Enter or Space on a focused position.
(function () {
  "use strict";
  var fig = document.getElementById("tap-drawing");
  if (!fig) { return; }
  var mode = fig.getAttribute("data-mode");
  var spots = fig.querySelectorAll("g.tap");
  var STATES = ["empty", "dummy", "blank", "spent", "live", "unknown"];
  function paint(spot, state) {
    STATES.concat(["fill"]).forEach(function (s) { spot.classList.remove("pos-" + s); });
    spot.classList.add("pos-" + state);
  }
  spots.forEach(function (spot) {
    var i = spot.getAttribute("data-index");
    var position = spot.getAttribute("data-position");
    var radios = document.querySelectorAll('input[type=radio][name="pos-' + i + '"]');
    var box = Array.prototype.filter.call(
      document.querySelectorAll('input[type=checkbox][name="position"]'),
      function (b) { return b.value === position; })[0];
    function sync() {
      if (mode === "inspect") {
        var on = Array.prototype.filter.call(radios, function (r) { return r.checked; })[0];
        spot.classList.toggle("unanswered", !on);
        if (on) { paint(spot, on.value); }
      } else if (box) {
        spot.classList.toggle("pos-fill", box.checked);
      }
    }
    function tap() {
      if (mode === "inspect" && radios.length) {
        var now = Array.prototype.findIndex.call(radios, function (r) { return r.checked; });
        var next = radios[(now + 1) % radios.length];
        next.checked = true;
        next.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (box) {
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      } else {
        return;
      }
      sync();
    }
    spot.addEventListener("click", tap);
    spot.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); tap(); }
    });
    Array.prototype.forEach.call(radios, function (r) { r.addEventListener("change", sync); });
    if (box) { box.addEventListener("change", sync); }
    if (mode === "load" && !box) { spot.classList.add("not-tappable"); spot.removeAttribute("tabindex"); }
    sync();
  });
})();
