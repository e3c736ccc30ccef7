// The prospect timeline's filter chips: each one shows or hides one kind of item. The chips are
// hidden in the page and shown here, so without JavaScript nobody sees buttons that do nothing.
(function () {
  "use strict";
  var filter = document.querySelector("[data-timeline-filter]");
  if (!filter) { return; }
  filter.hidden = false;
  var days = document.querySelectorAll(".tl-day");

  filter.querySelectorAll("button[data-kind]").forEach(function (chip) {
    chip.addEventListener("click", function () {
      var shown = chip.getAttribute("aria-pressed") !== "true";
      chip.setAttribute("aria-pressed", String(shown));
      document.querySelectorAll('.tl-item[data-kind="' + chip.dataset.kind + '"]').forEach(
        function (item) { item.hidden = !shown; }
      );
      // A day with nothing left to show disappears with its heading.
      days.forEach(function (day) { day.hidden = !day.querySelector(".tl-item:not([hidden])"); });
    });
  });
})();
