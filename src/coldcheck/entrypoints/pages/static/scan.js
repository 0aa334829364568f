// Scan QR labels on any screen that takes a tag: weapons (W-), lots (L-), containers (C-).
// The camera is read with BarcodeDetector where the browser has it, else with the jsQR
// decoder this server ships (static/vendor/jsQR.js; never a CDN: the cart has no internet).
// Without a camera (or outside HTTPS) a photo of the label is decoded the same way.
// A label of another production, or of the wrong kind of thing, is said so and not used.
//
// Buttons: <button data-scan-target="ID" data-scan-kind="W|L|C"> fills the input or select ID;
// data-scan-submit also sends its form; data-scan-check="W-0001" only checks that the label
// is that weapon's; data-scan-go opens the page of whatever was scanned.
(function () {
  "use strict";
  if (window.coldcheckScan) { return; } // loaded by the page and by base.html: once is enough
  window.coldcheckScan = true;
  var buttons = document.querySelectorAll("[data-scan-target], [data-scan-go], [data-scan-check]");
  if (!buttons.length) { return; }
  var production = document.body.getAttribute("data-production") || "";
  var box = document.getElementById("scanner");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var message = document.getElementById("scan-message");
  var photo = document.getElementById("scan-photo");
  var stopButton = document.getElementById("scan-stop");
  var KINDS = { W: "weapon", L: "lot", C: "container" };
  var stream = null, active = null, canvas = document.createElement("canvas");
  var decoderReady = null;

  function hasDetector() { return "BarcodeDetector" in window; }
  function loadDecoder() {
    if (hasDetector() || window.jsQR) { return Promise.resolve(); }
    if (!decoderReady) {
      decoderReady = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = "/static/vendor/jsQR.js";
        s.onload = function () { resolve(); };
        s.onerror = function () { reject(new Error("decoder not loaded")); };
        document.head.appendChild(s);
      });
    }
    return decoderReady;
  }
  // what a label says: coldcheck:<production>/<tag>, or the address of its page
  function parse(text) {
    text = (text || "").trim();
    var m = /^coldcheck:([a-z0-9-]+)\/([A-Z]-[0-9]+)$/i.exec(text);
    if (!m) { m = /\/p\/([a-z0-9-]+)\/(?:w|ammo|c)\/([A-Z]-[0-9]+)(?:[/?#]|$)/i.exec(text); }
    return m ? { production: m[1], tag: m[2].toUpperCase() } : null;
  }
  function say(text, good) {
    message.textContent = text;
    message.className = "scan-result " + (good ? "scan-good" : "scan-bad");
    message.hidden = false;
  }
  function use(text, button) {
    var label = parse(text);
    if (!label) { say("That QR code is not a coldcheck label. Scan the label on the case or the weapon's tag.", false); return; }
    if (production && label.production !== production) {
      say("This label (" + label.tag + ") belongs to another production, “" + label.production + "” — not this one. Keep it with that production's kit.", false);
      return;
    }
    var kind = label.tag.charAt(0);
    var check = button.getAttribute("data-scan-check");
    if (check) {
      if (label.tag === check) { say("✓ " + label.tag + ": this is the weapon on this screen.", true); }
      else { say("✗ You scanned " + label.tag + ", but this screen is for " + check + ". Stop and check which weapon you hold.", false); }
      return;
    }
    if (button.hasAttribute("data-scan-go")) {
      var base = "/p/" + encodeURIComponent(production);
      location.assign(kind === "W" ? base + "/w/" + label.tag : kind === "L" ? base + "/ammo/" + label.tag : base + "/c/" + label.tag);
      return;
    }
    var want = button.getAttribute("data-scan-kind") || "W";
    if (kind !== want) {
      say("That is the label of " + KINDS[kind] + " " + label.tag + "; scan the " + KINDS[want] + "'s label.", false);
      return;
    }
    var target = document.getElementById(button.getAttribute("data-scan-target"));
    if (target.tagName === "SELECT") {
      var found = Array.prototype.some.call(target.options, function (o) { return o.value === label.tag; });
      if (!found) { say(label.tag + " is not one of the choices here (empty, another calibre, or quarantined?).", false); return; }
    }
    target.value = label.tag;
    target.dispatchEvent(new Event("change", { bubbles: true }));
    target.dispatchEvent(new CustomEvent("cc-scanned", { bubbles: true }));
    say("Scanned " + label.tag + ".", true);
    if (button.hasAttribute("data-scan-submit") && target.form) { target.form.requestSubmit(); }
  }
  function decode(source, width, height) {
    if (hasDetector()) {
      return new window.BarcodeDetector({ formats: ["qr_code"] }).detect(source).then(function (codes) {
        return codes.length ? codes[0].rawValue : null;
      });
    }
    var scale = Math.min(1, 800 / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
    var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
    return Promise.resolve(code ? code.data : null);
  }
  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    box.hidden = true;
  }
  function look() {
    if (!stream || !active) { return; }
    if (!video.videoWidth) { window.setTimeout(look, 150); return; }
    decode(video, video.videoWidth, video.videoHeight).then(function (text) {
      if (text) { var b = active; stop(); use(text, b); }
      else { window.setTimeout(look, 150); }
    }).catch(function () { window.setTimeout(look, 400); });
  }
  function start(button) {
    active = button;
    message.hidden = true;
    box.hidden = false;
    status.textContent = "Point the camera at the QR label.";
    loadDecoder().then(function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { throw new Error("no camera"); }
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    }).then(function (s) {
      stream = s;
      video.hidden = false;
      video.srcObject = s;
      video.play();
      look();
    }).catch(function () {
      video.hidden = true;
      status.textContent = window.isSecureContext
        ? "No camera here: take a photo of the label instead, or type the tag."
        : "The camera needs HTTPS (coldcheck serve --tls): take a photo of the label instead, or type the tag.";
    });
  }
  photo.addEventListener("change", function () {
    var file = photo.files && photo.files[0];
    if (!file || !active) { return; }
    var b = active;
    loadDecoder().then(function () { return createImageBitmap(file); }).then(function (bitmap) {
      return decode(bitmap, bitmap.width, bitmap.height);
    }).then(function (text) {
      stop();
      if (text) { use(text, b); } else { say("No QR code found in that photo: hold the label flat, fill the frame, and try again.", false); }
    }).catch(function () { stop(); say("That photo could not be read; try again or type the tag.", false); });
    photo.value = "";
  });
  stopButton.addEventListener("click", stop);
  buttons.forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { start(button); });
  });
})();
