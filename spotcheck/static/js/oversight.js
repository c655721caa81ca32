/* The oversight dashboard's charts (Apache ECharts, served from the platform's own static
   files). The figures come from the page's json_script block, the same as the tables beside
   the charts; without JavaScript the tables alone show. Canvas renderer and rich-text
   tooltips: nothing needs an inline style or script (CSP: 'self' only). */
(function () {
  "use strict";
  function start() {
    var source = document.getElementById("oversight-charts");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    document.documentElement.classList.add("charts-on");
    var charts = [];
    var base = function () {
      return {
        animation: false,
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { top: 0 },
        grid: { left: 8, right: 8, bottom: 8, top: 32, containLabel: true }
      };
    };
    function bars(el, block) {
      var option = base();
      // Horizontal bars: the departments' names read on a phone too; one band per department.
      el.style.height = Math.max(200, block.names.length * 36 + 60) + "px";
      option.yAxis = { type: "category", data: block.names, inverse: true, axisLabel: { interval: 0 } };
      option.xAxis = { type: "value", minInterval: 1 };
      option.tooltip.axisPointer = { type: "shadow" };
      option.series = block.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; });
      return option;
    }
    function pie(el, rows) {
      var option = base();
      option.tooltip = { trigger: "item", renderMode: "richText" };
      option.series = [{ type: "pie", radius: ["35%", "65%"], top: 24, data: rows,
                         label: { formatter: "{b}\n{c}" } }];
      return option;
    }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var kind = el.getAttribute("data-chart");
      var option = kind === "filings" ? pie(el, data.filings) : bars(el, data[kind]);
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      el.setAttribute("data-rendered", "1");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
