// The printable label page: a Print button (inline scripts are forbidden by the CSP).
(function () {
  "use strict";
  var button = document.getElementById("print-now");
  if (!button || !window.print) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
