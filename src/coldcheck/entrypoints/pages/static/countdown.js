// Misfire wait (R19): count the seconds down on screen, then say what to do.
(function () {
  "use strict";
  var box = document.getElementById("misfire");
  if (!box) { return; }
  var out = document.getElementById("misfire-count");
  var left = parseInt(box.getAttribute("data-remaining"), 10) || 0;
  var end = Date.now() + left * 1000;
  function tick() {
    var s = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    if (s > 0) {
      out.textContent = "Wait " + s + " s before clearing.";
      box.classList.remove("wait-over");
      window.setTimeout(tick, 250);
    } else {
      out.textContent = "Wait over: unload the misfired round for destruction, then inspect.";
      box.classList.add("wait-over");
    }
  }
  tick();
})();
