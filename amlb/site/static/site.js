/* amlb results site: plots, sortable tables, table filters, page switchers. No dependencies
   besides the bundled plotly.js (only on pages with plots). Data comes from JSON script
   blocks in the page itself, so the site works from file:// without loading any other file. */
(function () {
  "use strict";

  function renderPlots() {
    var boxes = document.querySelectorAll("div.plot[data-figure]");
    if (!boxes.length) { return; }
    if (typeof window.Plotly === "undefined") {
      console.error("plotly.js is missing: plots cannot be drawn");
      return;
    }
    boxes.forEach(function (box) {
      var source = document.getElementById(box.getAttribute("data-figure"));
      try {
        var fig = JSON.parse(source.textContent);
        window.Plotly.newPlot(box, fig.data, fig.layout, {
          responsive: true, displaylogo: false,
          modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"]
        });
      } catch (err) {
        box.textContent = "This plot could not be drawn: " + err;
        console.error("plot " + box.id + ": " + err);
      }
    });
  }

  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) { return numeric ? NaN : ""; }
    if (numeric) {
      var v = cell.getAttribute("data-v");
      return v === null || v === "" ? NaN : parseFloat(v);
    }
    return (cell.getAttribute("data-v") || cell.textContent).trim().toLowerCase();
  }

  function sortTable(table, th) {
    var index = Array.prototype.indexOf.call(th.parentNode.cells, th);
    var numeric = th.getAttribute("data-type") === "num";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      if (numeric) {  // missing values always last
        if (isNaN(x) && isNaN(y)) { return 0; }
        if (isNaN(x)) { return 1; }
        if (isNaN(y)) { return -1; }
        return ascending ? x - y : y - x;
      }
      return ascending ? x.localeCompare(y) : y.localeCompare(x);
    });
    rows.forEach(function (r) { body.appendChild(r); });
    th.parentNode.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function setupSorting() {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      if (!table.tHead || !table.tBodies.length) { return; }
      table.tHead.querySelectorAll("th").forEach(function (th) {
        th.tabIndex = 0;
        th.title = "sort by this column";
        th.addEventListener("click", function () { sortTable(table, th); });
        th.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortTable(table, th); }
        });
      });
    });
  }

  function setupFilters() {
    document.querySelectorAll("input.table-filter").forEach(function (input) {
      var table = document.getElementById(input.getAttribute("data-table"));
      var counter = document.getElementById(input.getAttribute("data-counter"));
      if (!table) { return; }
      input.addEventListener("input", function () {
        var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
        var shown = 0;
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          var text = row.textContent.toLowerCase();
          var match = words.every(function (w) { return text.indexOf(w) >= 0; });
          row.hidden = !match;
          if (match) { shown += 1; }
        });
        if (counter) { counter.textContent = shown + " shown"; }
      });
    });
  }

  function setupJumps() {
    document.querySelectorAll("select.jump").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.value) { window.location.href = select.value; }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupSorting();
    setupFilters();
    setupJumps();
    renderPlots();
  });
})();
