// Keep what was typed across a session that ended: save the screen's forms (never a PIN,
// a password or the CSRF token) before signing in again, and put them back afterwards.
(function () {
  "use strict";
  var KEY = "coldcheck-draft";
  var MAX_AGE = 3600 * 1000;
  var cc = window.coldcheck = window.coldcheck || {};

  function here() {
    var params = new URLSearchParams(location.search);
    params.delete("resumed");
    params.delete("ok");
    var q = params.toString();
    return location.pathname + (q ? "?" + q : "");
  }
  // never kept: secrets, and confirmations (a performer's "I was shown every chamber" is
  // given again, in front of the weapon, never carried over from an earlier screen)
  function secret(el) {
    return el.type === "password" || el.type === "hidden" || /pin|password|csrf/i.test(el.name || "") ||
      !!el.closest("fieldset.confirm");
  }
  function forms() {
    return Array.prototype.filter.call(document.forms, function (f) {
      return (f.method || "").toLowerCase() === "post" && !f.hasAttribute("data-no-keep");
    });
  }
  function save() {
    var saved = forms().map(function (form, i) {
      var fields = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || secret(el) || el.disabled) { return; }
        if (el.type === "checkbox" || el.type === "radio") {
          if (el.checked) { fields.push([el.name, el.value]); }
        } else if (el.tagName === "SELECT" && el.multiple) {
          Array.prototype.forEach.call(el.selectedOptions, function (o) { fields.push([el.name, o.value]); });
        } else if (el.type !== "submit" && el.type !== "button") {
          fields.push([el.name, el.value]);
        }
      });
      var box = form.closest("details");
      return { id: form.id || "", index: i, fields: fields, open: !!(box && box.open) };
    });
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ path: here(), at: Date.now(), forms: saved }));
    } catch (e) { /* private mode: nothing kept */ }
  }
  function load() {
    try {
      var draft = JSON.parse(sessionStorage.getItem(KEY) || "null");
      return draft && Date.now() - draft.at < MAX_AGE ? draft : null;
    } catch (e) { return null; }
  }
  function restore(draft) {
    var all = forms();
    var back = 0;
    draft.forms.forEach(function (saved) {
      var form = (saved.id && document.getElementById(saved.id)) || all[saved.index];
      if (!form || !saved.fields.length) { return; }
      var typed = {};
      saved.fields.forEach(function (nv) { (typed[nv[0]] = typed[nv[0]] || []).push(nv[1]); });
      var changed = false;
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || secret(el) || !(el.name in typed)) { return; }
        if (el.type === "checkbox" || el.type === "radio") {
          var on = typed[el.name].indexOf(el.value) >= 0;
          if (el.checked !== on) { el.checked = on; changed = true; }
        } else if (el.type !== "submit" && el.type !== "button") {
          var v = typed[el.name][0];
          if (el.value !== v && v !== "") { el.value = v; changed = true; }
        }
      });
      if (changed || saved.open) {
        back += 1;
        var box = form.closest("details");
        if (box) { box.open = true; }
        form.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
    return back;
  }
  cc.keep = { save: save, load: load };

  var draft = load();
  var params = new URLSearchParams(location.search);
  if (document.getElementById("signin-form")) {
    // signing in again: go back to the screen the draft came from
    if (draft) {
      document.querySelectorAll("input.next-field").forEach(function (f) { if (!f.value) { f.value = draft.path; } });
    }
    return;
  }
  if (draft && params.has("resumed")) {
    if (draft.path === here()) { restore(draft); }
    sessionStorage.removeItem(KEY);
  } else if (draft) {
    sessionStorage.removeItem(KEY); // sent and answered: the server keeps what it refused
  }
  if (params.has("resumed") && history.replaceState) {
    params.delete("resumed");
    params.set("ok", "resumed");
    history.replaceState(null, "", location.pathname + "?" + params.toString());
    var main = document.getElementById("main");
    if (main && !main.querySelector("p.done")) {
      var p = document.createElement("p");
      p.className = "done";
      p.setAttribute("role", "status");
      p.textContent = "Signed in again — what you had typed is back; check it and send it again.";
      main.insertBefore(p, main.firstChild);
    }
  }

  var again = document.getElementById("trouble-signin");
  if (again) {
    again.addEventListener("click", function (ev) {
      ev.preventDefault();
      save();
      location.assign("/signin?ended=1&next=" + encodeURIComponent(here()));
    });
  }
})();
