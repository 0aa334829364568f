// Passkeys (issue 17): enrol one on this device, and confirm with one on the confirmation
// screen. The server makes every option and checks every answer; this file only carries
// them between the page and the browser's WebAuthn (navigator.credentials).
(function () {
  "use strict";

  function toBytes(b64url) {
    var s = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var raw = atob(s), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrf() {
    var field = document.querySelector("input[name=csrf]");
    return field ? field.value : "";
  }

  function post(url, fields) {
    var body = new URLSearchParams();
    body.set("csrf", csrf());
    Object.keys(fields).forEach(function (k) { body.set(k, fields[k]); });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "x-coldcheck-fetch": "1" },
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.error || ("the server answered " + r.status));
        return data;
      });
    });
  }

  function say(el, text, good) {
    if (!el) return;
    el.textContent = text;
    el.hidden = false;
    el.className = good ? "good" : "warn-box";
  }

  function creationOptions(o) {
    o.challenge = toBytes(o.challenge);
    o.user.id = toBytes(o.user.id);
    (o.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return o;
  }

  function requestOptions(o) {
    o.challenge = toBytes(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return o;
  }

  function registrationJson(cred) {
    return JSON.stringify({
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      response: {
        clientDataJSON: toB64url(cred.response.clientDataJSON),
        attestationObject: toB64url(cred.response.attestationObject),
        transports: cred.response.getTransports ? cred.response.getTransports() : [],
      },
      clientExtensionResults: {},
    });
  }

  function assertionJson(cred) {
    var r = cred.response;
    return JSON.stringify({
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      response: {
        authenticatorData: toB64url(r.authenticatorData),
        clientDataJSON: toB64url(r.clientDataJSON),
        signature: toB64url(r.signature),
        userHandle: r.userHandle ? toB64url(r.userHandle) : null,
      },
      clientExtensionResults: {},
    });
  }

  function enrol(form) {
    var status = document.getElementById(form.dataset.status);
    var person = form.querySelector("[name=person]").value;
    var label = form.querySelector("[name=label]");
    var pin = form.querySelector("[name=pin]");
    if (!window.PublicKeyCredential) {
      say(status, "This browser cannot make passkeys here (it needs HTTPS or localhost).");
      return;
    }
    say(status, "Follow your device's prompt…", true);
    post(form.dataset.options, { person: person })
      .then(function (options) {
        return navigator.credentials.create({ publicKey: creationOptions(options) });
      })
      .then(function (cred) {
        return post(form.action, {
          person: person,
          credential: registrationJson(cred),
          label: label ? label.value : "",
          pin: pin ? pin.value : "",
        });
      })
      .then(function (answer) {
        say(status, answer.message, true);
        setTimeout(function () { window.location.reload(); }, 600);
      })
      .catch(function (err) { say(status, err.message || String(err)); });
  }

  function confirmWithPasskey(button) {
    var index = button.dataset.slot;
    var form = document.getElementById("confirm-form");
    var status = document.getElementById("passkey-status-" + index);
    var who = document.getElementById("confirm-person-" + index);
    var person = who ? who.value : "";
    var pledge = document.getElementById("confirm-pledge-" + index);
    if (!person) { say(status, "Choose who confirms first."); return; }
    if (pledge && !pledge.checked) { say(status, "Tick “" + pledge.labels[0].textContent + "” first."); return; }
    if (!window.PublicKeyCredential) {
      say(status, "This browser cannot use passkeys here (it needs HTTPS or localhost) — type the PIN.");
      return;
    }
    say(status, "Follow your device's prompt…", true);
    post(button.dataset.options, { person: person })
      .then(function (options) {
        return navigator.credentials.get({ publicKey: requestOptions(options) });
      })
      .then(function (cred) {
        return post(button.dataset.confirm, {
          person: person,
          credential: assertionJson(cred),
          pledge: pledge && pledge.checked ? "yes" : "",
        });
      })
      .then(function (answer) {
        var given = document.createElement("input");
        given.type = "hidden";
        given.name = "given";
        given.value = answer.confirmation;
        form.appendChild(given);
        var pin = document.getElementById("confirm-pin-" + index);
        if (pin) { pin.value = ""; pin.disabled = true; }
        if (pledge) pledge.disabled = true;
        if (who) who.disabled = true;
        button.disabled = true;
        say(status, answer.message, true);
      })
      .catch(function (err) { say(status, err.message || String(err)); });
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.matches && form.matches("form[data-passkey-enrol]")) {
      e.preventDefault();
      enrol(form);
    }
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button[data-passkey-confirm]");
    if (button) {
      e.preventDefault();
      confirmWithPasskey(button);
    }
  });
})();
