// Scan a weapon's QR label with the device camera where the browser has BarcodeDetector.
(function () {
  "use strict";
  var button = document.getElementById("scan-button");
  if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  var input = document.getElementById(button.getAttribute("data-scan-target"));
  var box = document.getElementById("scanner");
  var video = document.getElementById("scan-video");
  var stopButton = document.getElementById("scan-stop");
  var stream = null;
  var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  button.hidden = false;
  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    box.hidden = true;
  }
  function look() {
    if (!stream) { return; }
    detector.detect(video).then(function (codes) {
      var found = null;
      codes.forEach(function (code) {
        var m = /W-[0-9]+/i.exec(code.rawValue || "");
        if (m && !found) { found = m[0].toUpperCase(); }
      });
      if (found) {
        input.value = found;
        stop();
        input.dispatchEvent(new Event("change", { bubbles: true }));
        input.focus();
      } else {
        window.setTimeout(look, 200);
      }
    }).catch(function () { window.setTimeout(look, 500); });
  }
  button.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      box.hidden = false;
      video.play();
      look();
    }).catch(function () {
      button.textContent = "Camera not available — type the tag";
      button.disabled = true;
    });
  });
  stopButton.addEventListener("click", stop);
})();
