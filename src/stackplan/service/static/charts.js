/* Draw the dashboard's plotly figures from the JSON blocks the server embeds (offline plotly.js). */
(function () {
  "use strict";
  var config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"] };
  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var src = document.getElementById("figure-" + el.getAttribute("data-figure"));
    if (!src || !window.Plotly) return;
    var fig = JSON.parse(src.textContent);
    window.Plotly.newPlot(el, fig.data, fig.layout, config).then(function () {
      el.setAttribute("data-rendered", "true");
    });
  });
})();
