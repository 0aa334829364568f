// Form helpers: say what an inspection still lacks, highlight wrap-count differences,
// mark every dummy round passed.
(function () {
  "use strict";
  var inspect = document.getElementById("inspect-form");
  if (inspect) {
    var problem = document.getElementById("inspect-problem");
    inspect.addEventListener("submit", function (ev) {
      var missing = [];
      inspect.querySelectorAll("fieldset").forEach(function (fs) {
        var inputs = fs.querySelectorAll("input[required]");
        if (!inputs.length) { return; }
        var legend = fs.querySelector("legend").firstChild.textContent.trim();
        if (inputs[0].type === "checkbox") {
          inputs.forEach(function (i) { if (!i.checked) { missing.push(i.value); } });
        } else if (!fs.querySelector("input:checked")) {
          missing.push(legend);
        }
      });
      if (missing.length) {
        ev.preventDefault();
        problem.textContent = "R24: the inspection is incomplete — still to do: " + missing.join(", ") + ".";
        problem.hidden = false;
        problem.scrollIntoView({ block: "center" });
      }
    });
    inspect.setAttribute("novalidate", "");
  }
  document.querySelectorAll("input.count[data-expected]").forEach(function (input) {
    var note = input.parentNode.querySelector(".diff");
    function check() {
      var expected = parseInt(input.getAttribute("data-expected"), 10);
      if (input.value === "") { input.classList.remove("differs"); note.textContent = ""; return; }
      var diff = parseInt(input.value, 10) - expected;
      input.classList.toggle("differs", diff !== 0);
      input.classList.toggle("matches", diff === 0);
      note.classList.toggle("same", diff === 0);
      note.classList.toggle("differs-note", diff !== 0);
      note.textContent = diff === 0 ? "matches" : (diff > 0 ? "+" + diff : String(diff)) + " — discrepancy";
    }
    input.addEventListener("input", check);
    check();
  });
  var allPass = document.getElementById("all-pass");
  if (allPass) {
    allPass.hidden = false;
    allPass.addEventListener("click", function () {
      document.querySelectorAll('#verify-form fieldset.round').forEach(function (fs) {
        var gone = fs.querySelector('input[value="gone"]');
        if (gone && gone.checked) { return; }
        fs.querySelector('input[value="pass"]').checked = true;
      });
    });
  }
})();
