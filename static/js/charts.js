/* Draws the dashboards' charts (templates/_charts.html) with the vendored Apache ECharts.
 *
 * Each chart's figures come from its data-chart attribute (no inline script: the CSP forbids it):
 * {kind: "bar" | "line" | "hbar", labels: axis labels, names: full labels, money, currency, scale,
 *  locale, series: [{name, values, shown}]}; values are minor units when money. The tooltip shows
 * the texts the server formatted ("shown"), the axis a compact number in the page's language.
 * The table under each chart holds the same figures; once the chart is drawn it is folded (open
 * without JavaScript).
 */
(function () {
  "use strict";

  var COLOURS = ["#1e5a8c", "#a3261b", "#1f6b34", "#8a5300", "#5b3c88"];
  var charts = [];

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }

  function axisFormatter(spec) {
    var options = {notation: "compact", maximumFractionDigits: 1};
    if (spec.money) {
      options.style = "currency";
      options.currency = spec.currency;
    }
    var format;
    try {
      format = new Intl.NumberFormat(spec.locale, options).format;
    } catch (e) {
      format = function (v) { return String(v); };
    }
    return function (value) { return format(spec.money ? value / spec.scale : value); };
  }

  function tooltip(spec) {
    return {
      trigger: "axis",
      axisPointer: {type: spec.kind === "line" ? "line" : "shadow"},
      confine: true,
      formatter: function (items) {
        if (!items.length) { return ""; }
        var i = items[0].dataIndex;
        var lines = [escapeHtml(spec.names[i])];
        spec.series.forEach(function (s) { lines.push(escapeHtml(s.name + ": " + s.shown[i])); });
        return lines.join("<br>");
      }
    };
  }

  function option(spec) {
    var horizontal = spec.kind === "hbar";
    var many = spec.series.length > 1;
    var category = {
      type: "category", data: spec.labels, inverse: horizontal,
      axisTick: {alignWithLabel: true},
      axisLabel: horizontal ? {width: 96, overflow: "truncate"} : {hideOverlap: true}
    };
    var value = {type: "value", minInterval: 1, axisLabel: {formatter: axisFormatter(spec), hideOverlap: true}};
    return {
      animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
      aria: {enabled: false},  // the container is role=img, and the table below reads the figures
      color: COLOURS,
      textStyle: {fontFamily: getComputedStyle(document.body).fontFamily},
      grid: {left: 4, right: 16, top: many ? 40 : 16, bottom: 4, containLabel: true},
      legend: many ? {top: 0, type: "scroll"} : {show: false},
      tooltip: tooltip(spec),
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: spec.series.map(function (s) {
        return {
          name: s.name, type: spec.kind === "line" ? "line" : "bar", data: s.values,
          showSymbol: spec.labels.length <= 10, barMaxWidth: 28
        };
      })
    };
  }

  function draw(element) {
    var spec = JSON.parse(element.getAttribute("data-chart"));
    if (spec.kind === "hbar") {  // a ranking is as tall as its rows (a style property: the CSP allows it)
      element.style.height = Math.max(140, 56 + spec.labels.length * 34) + "px";
    }
    var chart = window.echarts.init(element, null, {
      renderer: "svg", locale: spec.locale.indexOf("zh") === 0 ? "ZH" : "EN"
    });
    chart.setOption(option(spec));
    element.classList.add("chart-drawn");
    var table = element.parentNode.querySelector("details.chart-table");
    if (table) { table.open = false; }
    charts.push(chart);
  }

  function start() {
    if (!window.echarts) { return; }  // the tables stay open
    document.querySelectorAll(".chart[data-chart]").forEach(draw);
    var pending = null;
    function resize() {
      clearTimeout(pending);
      pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 100);
    }
    if (window.ResizeObserver) {  // a phone turned sideways, a window resized, a column narrowed
      var observer = new ResizeObserver(resize);
      charts.forEach(function (c) { observer.observe(c.getDom()); });
    } else {
      window.addEventListener("resize", resize);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
