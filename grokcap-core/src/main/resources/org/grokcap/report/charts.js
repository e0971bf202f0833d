// The report's interactive charts: one per quantity (loss on a log axis, accuracy), every run's
// splits on it (test solid, train dashed, others dotted; a colour per run). uPlot gives zoom (drag
// across; double-click resets) and the values under the cursor in the legend (a click there hides a
// series); the run checkboxes hide or show all of a run's series. GROKCAP_DATA is set by the page.
(function () {
  const data = GROKCAP_DATA;
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f',
                   '#bcbd22', '#17becf'];
  const charts = [];
  function dash(split) {
    return split === 'test' ? undefined : split === 'train' ? [6, 4] : [2, 3];
  }
  function draw(quantity) {
    const el = document.getElementById('chart-' + quantity);
    const tables = [];
    const series = [{label: 'step'}];
    const runOf = [null];
    data.runs.forEach(function (run, r) {
      data.splits.forEach(function (split) {
        const curve = run.curves[split];
        if (!curve || !curve[quantity]) {
          return;
        }
        const ys = curve[quantity].map(function (v) {
          return v === null || (quantity === 'loss' && v <= 0) ? null : v;
        });
        tables.push([curve.step, ys]);
        series.push({label: run.id + ' ' + split, stroke: palette[r % palette.length], width: split === 'test' ? 2 : 1.5,
                     dash: dash(split), spanGaps: true});
        runOf.push(r);
      });
    });
    if (tables.length === 0) {
      el.textContent = 'no ' + quantity + ' recorded';
      return;
    }
    const aligned = uPlot.join(tables);
    const opts = {
      width: Math.min(1000, document.body.clientWidth - 20), height: 400, series: series,
      scales: {x: {time: false}, y: quantity === 'loss' ? {distr: 3} : {range: [0, 1]}},
      axes: [{label: 'step'}, {label: quantity}],
      cursor: {drag: {x: true, y: false}},
      legend: {live: true}
    };
    const chart = new uPlot(opts, aligned, el);
    charts.push({chart: chart, runOf: runOf});
    el.dataset.series = String(series.length - 1);
    el.dataset.points = String(aligned[0].length);
    el.dataset.yDistr = String(chart.scales.y.distr); // 3: logarithmic
  }
  // The methods compared over seeds: per method its max and min (a band filled between them) and its
  // median, on a log epoch axis.
  function drawComparison() {
    const c = data.comparison;
    const el = document.getElementById('chart-comparison');
    if (!c || !el || c.methods.length === 0) {
      return;
    }
    const tables = [];
    const series = [{label: c.unit}];
    const bands = [];
    c.methods.forEach(function (m, i) {
      const color = palette[i % palette.length];
      tables.push([m.epoch, m.max, m.min, m.median]);
      series.push({label: m.name + ' max', stroke: color + '66', width: 1, spanGaps: true},
                  {label: m.name + ' min', stroke: color + '66', width: 1, spanGaps: true},
                  {label: m.name, stroke: color, width: 2, spanGaps: true});
      bands.push({series: [series.length - 3, series.length - 2], fill: color + '33'});
    });
    const opts = {
      width: Math.min(1000, document.body.clientWidth - 20), height: 400, series: series, bands: bands,
      scales: {x: {time: false, distr: 3}, y: {range: [0, 1]}},
      axes: [{label: c.unit + ' (log)'}, {label: 'test accuracy'}],
      cursor: {drag: {x: true, y: false}},
      legend: {live: true}
    };
    const chart = new uPlot(opts, uPlot.join(tables), el);
    el.dataset.series = String(series.length - 1);
    el.dataset.bands = String(bands.length);
    el.dataset.xDistr = String(chart.scales.x.distr); // 3: logarithmic
  }
  ['loss', 'accuracy'].forEach(draw);
  drawComparison();
  document.querySelectorAll('input[data-run]').forEach(function (box) {
    box.addEventListener('change', function () {
      const r = Number(box.dataset.run);
      charts.forEach(function (c) {
        c.runOf.forEach(function (owner, i) {
          if (owner === r) {
            c.chart.setSeries(i, {show: box.checked});
          }
        });
      });
    });
  });
  document.body.dataset.chartsDrawn = String(charts.length);
})();
