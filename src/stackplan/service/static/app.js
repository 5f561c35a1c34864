/* Stackplan pages: editor line gutter, jump to problem lines, run progress. No inline scripts (CSP). */
(function () {
  "use strict";

  // YAML editor: keep the line-number gutter in step with the textarea.
  var area = document.getElementById("yaml");
  var gutter = document.querySelector(".code-editor .gutter");
  if (area && gutter) {
    var bad = (area.parentElement.getAttribute("data-problem-lines") || "").split(",").filter(Boolean).map(Number);
    var render = function () {
      var n = area.value.split("\n").length;
      var out = [];
      for (var i = 1; i <= n; i++) {
        out.push('<span class="' + (bad.indexOf(i) >= 0 ? "err" : "") + '">' + i + "</span>");
      }
      gutter.innerHTML = out.join("\n") + "\n";
    };
    area.addEventListener("input", render);
    area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
    render();
    document.querySelectorAll(".goto-line").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        var line = Number(a.getAttribute("data-line"));
        var lines = area.value.split("\n");
        var start = 0;
        for (var i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
        var end = start + (lines[line - 1] || "").length;
        area.focus();
        area.setSelectionRange(start, end);
        var lh = parseFloat(getComputedStyle(area).lineHeight) || 20;
        area.scrollTop = Math.max(0, (line - 4) * lh);
      });
    });
  }

  // Plan progress: poll the run until it finishes, then reload to show the dashboard.
  var box = document.getElementById("progress");
  if (box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector(".progress-bar");
    var msg = document.getElementById("progress-message");
    var tick = function () {
      fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          bar.style.width = Math.round((s.progress || 0) * 100) + "%";
          if (msg) msg.textContent = s.message || "";
          if (s.status === "succeeded" || s.status === "failed") { window.location.reload(); }
          else { setTimeout(tick, 700); }
        })
        .catch(function () { setTimeout(tick, 2000); });
    };
    setTimeout(tick, 400);
  }
})();
