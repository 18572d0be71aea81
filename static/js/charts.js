// Charts for every analysis page (Apache ECharts, vendored). A page asks for one with
//   <div data-chart="bar" data-chart-source="id-of-a-json_script" class="crm-chart"></div>
// where the JSON holds {"categories": [...], "series": [{"name": "...", "data": [...]}], "unit": "%"}.
// No inline script is needed, so the Content-Security-Policy stays strict.
(function () {
  "use strict";

  function render(el) {
    if (!window.echarts) {
      return;
    }
    var source = document.getElementById(el.dataset.chartSource);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var kind = el.dataset.chart || "bar";
    el.style.height = el.dataset.height || "320px";
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 48, containLabel: true },
      xAxis: { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", axisLabel: { formatter: "{value}" + (spec.unit || "") } },
      series: spec.series.map(function (s) {
        return { name: s.name, type: kind, data: s.data, smooth: kind === "line" };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function renderAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), render);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
})();
