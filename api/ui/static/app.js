// Nurture UI: a few progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // A select that changes the page (version picker, "working as") submits its form at once.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Flash messages can be dismissed.
  document.querySelectorAll("[data-dismiss]").forEach(function (button) {
    button.addEventListener("click", function () { button.parentElement.remove(); });
  });

  // A form is sent once: a second click while the first is on its way does nothing. The clicked
  // button's name and value are kept (a disabled button is not part of the form data).
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var submitter = event.submitter;
      if (submitter && submitter.name) {
        var kept = document.createElement("input");
        kept.type = "hidden";
        kept.name = submitter.name;
        kept.value = submitter.value;
        form.appendChild(kept);
      }
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });

  // Only one "outcome with details" panel open at a time; focus its first field.
  var panels = document.querySelectorAll("details.outcome-more");
  panels.forEach(function (panel) {
    panel.addEventListener("toggle", function () {
      if (!panel.open) { return; }
      panels.forEach(function (other) { if (other !== panel) { other.open = false; } });
      var first = panel.querySelector("input:not([type=hidden])");
      if (first) { first.focus(); }
    });
  });

  // The definition editor: line numbers that follow the text, problem lines marked.
  var editor = document.querySelector("[data-editor]");
  if (!editor) { return; }
  var textarea = editor.querySelector("textarea");
  var gutter = editor.querySelector(".gutter");
  var counter = document.querySelector("[data-line-count]");
  var bad = (editor.dataset.badLines || "").split(",").filter(Boolean).map(Number);
  var shown = -1;
  var LINE_HEIGHT = 20;

  function renumber() {
    var count = textarea.value.split("\n").length;
    if (count === shown) { return; }
    shown = count;
    var html = [];
    for (var n = 1; n <= count; n++) {
      html.push(bad.indexOf(n) >= 0 ? '<span class="bad">' + n + "</span>" : "<span>" + n + "</span>");
    }
    gutter.innerHTML = html.join("");
    if (counter) { counter.textContent = String(count); }
    gutter.scrollTop = textarea.scrollTop;
  }

  function goToLine(line) {
    var lines = textarea.value.split("\n");
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    var end = start + (lines[line - 1] || "").length;
    textarea.focus();
    textarea.setSelectionRange(start, end);
    textarea.scrollTop = Math.max(0, (line - 1) * LINE_HEIGHT - textarea.clientHeight / 3);
    gutter.scrollTop = textarea.scrollTop;
  }

  textarea.addEventListener("input", renumber);
  textarea.addEventListener("scroll", function () { gutter.scrollTop = textarea.scrollTop; });
  document.querySelectorAll("[data-goto-line]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      editor.scrollIntoView({ behavior: "smooth", block: "start" });
      goToLine(Number(link.dataset.gotoLine));
    });
  });
  renumber();
  if (bad.length) {
    // Open on the first problem, without taking the focus (and the page) away from the list.
    textarea.scrollTop = Math.max(0, (bad[0] - 1) * LINE_HEIGHT - textarea.clientHeight / 3);
    gutter.scrollTop = textarea.scrollTop;
  }
})();
