// The what-if page: reads the choices (GET /api/choices), asks POST /api/whatif whenever an input
// changes and draws the answer. Every number shown comes from the API (docs/serve.md).
'use strict';

const $ = (id) => document.getElementById(id);
const state = { choices: null, study: null, traffic: 0, asked: 0, shown: 0, timer: null, charts: {} };
const COLORS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02'];

// "3M", "1.5k", "98.5": three significant digits, no trailing zeros.
function human(v) {
  const short = (x) => String(Number(x.toPrecision(3)));
  const a = Math.abs(v);
  if (a >= 1e9) return short(v / 1e9) + 'B';
  if (a >= 1e6) return short(v / 1e6) + 'M';
  if (a >= 1e3) return short(v / 1e3) + 'k';
  return short(v);
}
const usd = (v) => '$' + human(v);

function option(select, value, text) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  select.appendChild(o);
}

// The traffic slider is logarithmic over the study's sweep range.
function sliderToTraffic(pos) {
  const lo = Math.log10(state.study.sweep_min_requests_per_month);
  const hi = Math.log10(state.study.sweep_max_requests_per_month);
  return Math.pow(10, lo + (hi - lo) * pos / 1000);
}
function trafficToSlider(t) {
  const lo = Math.log10(state.study.sweep_min_requests_per_month);
  const hi = Math.log10(state.study.sweep_max_requests_per_month);
  return Math.round(1000 * (Math.log10(t) - lo) / (hi - lo));
}

function splitSlo(slo, metric) {
  for (const [key, seconds] of Object.entries(slo)) {
    const m = key.match(/^([a-z0-9]+)_([a-z0-9]+)_s$/);
    if (m && m[1] === metric) return { stat: m[2], seconds };
  }
  return { stat: 'p99', seconds: metric === 'ttft' ? 1.0 : 0.1 };
}

function showStudy() {
  const s = state.study;
  $('question').textContent = s.title + (s.question ? ' — ' + s.question : '');
  state.traffic = s.requests_per_month;  // exact until the slider moves
  $('traffic').value = trafficToSlider(s.requests_per_month);
  $('traffic-text').textContent = human(s.requests_per_month) + ' requests / month';
  $('prompt').value = s.prompt_tokens;
  $('output').value = s.output_tokens;
  for (const metric of ['ttft', 'tpot']) {
    const { stat, seconds } = splitSlo(s.slo, metric);
    $(metric + '-stat').value = stat;
    $(metric + '-limit').value = seconds;
  }
  const box = $('candidates');
  box.querySelectorAll('div').forEach((d) => d.remove());
  for (const c of s.candidates) {
    const div = document.createElement('div');
    div.dataset.candidate = c.name;
    const keep = document.createElement('label');
    keep.innerHTML = '<input type="checkbox" class="keep" checked> ';
    keep.append(`${c.name} (${c.role}, ${c.model})`);
    div.appendChild(keep);
    if (c.model !== 'API') {
      const hw = document.createElement('select');
      hw.multiple = true;
      hw.className = 'hardware';
      hw.size = 4;
      for (const h of state.choices.hardware) {
        option(hw, h.id, h.id + (h.price_kinds.length ? '' : ' (no price)'));
        hw.lastChild.selected = c.hardware.includes(h.id);
      }
      div.appendChild(hw);
    }
    box.appendChild(div);
  }
}

function question() {
  const q = {
    study: state.study.file,
    requests_per_month: state.traffic,
    prompt_tokens: +$('prompt').value,
    output_tokens: +$('output').value,
    slo: {},
    candidates: [],
    hardware: {},
  };
  for (const metric of ['ttft', 'tpot'])
    q.slo[`${metric}_${$(metric + '-stat').value}_s`] = +$(metric + '-limit').value;
  if ($('price-kind').value) q.price_kind = $('price-kind').value;
  if ($('calibration').value) q.calibration = $('calibration').value;
  for (const div of $('candidates').querySelectorAll('div')) {
    if (div.querySelector('.keep').checked) q.candidates.push(div.dataset.candidate);
    const hw = div.querySelector('.hardware');
    if (hw) q.hardware[div.dataset.candidate] = [...hw.selectedOptions].map((o) => o.value);
  }
  return q;
}

async function ask() {
  const id = ++state.asked;
  $('status').className = '';
  $('status').textContent = 'Simulating…';
  const started = performance.now();
  const res = await fetch('api/whatif', { method: 'POST', body: JSON.stringify(question()) });
  const body = await res.json();
  if (id !== state.asked) return;  // a newer question is on its way
  if (!res.ok) {
    $('status').className = 'error';
    $('status').textContent = body.error;
  } else {
    show(body);
    $('status').textContent = `Answered in ${Math.round(performance.now() - started)} ms ` +
        `(simulation ${Math.round(1000 * body.elapsed_s)} ms), prices: ${body.price_kind}.`;
  }
  state.shown = id;
  document.body.dataset.answers = String(id);
}

function askSoon() {
  $('traffic-text').textContent = human(state.traffic) + ' requests / month';
  clearTimeout(state.timer);
  state.timer = setTimeout(ask, 120);
}

function chart(id, config) {
  if (state.charts[id]) {
    state.charts[id].data = config.data;
    state.charts[id].options = config.options;
    state.charts[id].update('none');
  } else {
    state.charts[id] = new Chart($(id), config);
  }
}

function axes(xTitle, yTitle, xLog, yLog, xTick, yTick) {
  // Log axes are labelled at powers of ten only, so the labels stay readable.
  const decade = (v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;
  const axis = (title, log, tick) => ({
    type: log ? 'logarithmic' : 'linear',
    title: { display: true, text: title },
    ticks: tick ? { callback: (v) => (!log || decade(v) ? tick(v) : '') } : {},
  });
  return { x: axis(xTitle, xLog, xTick), y: axis(yTitle, yLog, yTick) };
}

function baseOptions(title, scales) {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    plugins: { title: { display: true, text: title }, legend: { display: true } },
    scales,
  };
}

function show(a) {
  const months = a.study.horizon_months;
  $('verdict').innerHTML = '';
  for (const p of a.pairs || []) {
    const el = document.createElement('p');
    el.className = 'verdict-text';
    el.textContent = p.verdict;
    $('verdict').appendChild(el);
  }
  const replicas = {};
  for (const l of a.latency_distributions) replicas[l.candidate] = l.replicas;
  const rows = $('plan').querySelector('tbody');
  rows.innerHTML = '';
  for (const c of a.candidates) {
    const tr = document.createElement('tr');
    const cells = [c.name, c.role, `${c.quality.toFixed(1)} ± ${c.quality_sd.toFixed(1)}`,
      c.feasible ? c.layout_at_plan : c.reason, replicas[c.name] ?? '-',
      c.feasible ? usd(c.total_usd_at_plan / months) : '-'];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    rows.appendChild(tr);
  }
  const names = Object.keys(a.total_usd);
  const traffic = a.traffic_requests_per_month;
  const cost = names.map((n, i) => ({
    label: n, borderColor: COLORS[i % COLORS.length], pointRadius: 0, showLine: true,
    data: traffic.map((t, k) => ({ x: t, y: a.total_usd[n][k] / months }))
        .filter((p) => Number.isFinite(p.y)),
  }));
  let lo = Infinity, hi = 0;
  cost.forEach((d) => d.data.forEach((p) => { lo = Math.min(lo, p.y); hi = Math.max(hi, p.y); }));
  cost.push({ label: 'planning traffic', borderColor: '#000', borderDash: [4, 4], pointRadius: 0,
    showLine: true, data: [{ x: a.study.requests_per_month, y: lo }, { x: a.study.requests_per_month, y: hi }] });
  chart('cost-chart', { type: 'scatter', data: { datasets: cost },
    options: baseOptions(`Average cost per month over ${months} months vs traffic`,
        axes('traffic (requests / month)', 'cost (USD / month)', true, true, human, usd)) });

  const pareto = a.candidates.filter((c) => c.feasible).map((c, i) => ({
    label: `${c.name}: ${c.layout_at_plan}`, backgroundColor: COLORS[i % COLORS.length],
    pointRadius: a.pareto_front.includes(c.name) ? 8 : 5,
    data: [{ x: c.total_usd_at_plan / months, y: c.quality }],
  }));
  chart('pareto-chart', { type: 'scatter', data: { datasets: pareto },
    options: baseOptions('Quality vs cost at the planning traffic (large points: Pareto front)',
        axes('cost (USD / month)', `score (${a.study.task})`, false, false, usd, null)) });

  for (const [id, key, name] of [['ttft-chart', 'ttft_s', 'TTFT'], ['tpot-chart', 'tpot_s', 'TPOT']]) {
    const sets = a.latency_distributions.map((l, i) => ({
      label: `${l.candidate} on ${l.layout} (${l.replicas} replicas)`,
      borderColor: COLORS[i % COLORS.length], pointRadius: 0, showLine: true,
      data: l[key].map((s, k) => ({ x: 1000 * s, y: 100 * l.quantiles[k] })),
    }));
    chart(id, { type: 'scatter', data: { datasets: sets },
      options: baseOptions(`Simulated ${name} distribution per replica`,
          axes(`${name} (ms)`, 'requests at or below (%)', false, false, null, null)) });
  }
}

async function start() {
  const res = await fetch('api/choices');
  state.choices = await res.json();
  for (const s of state.choices.studies) option($('study'), s.file, s.title);
  for (const c of state.choices.calibrations) option($('calibration'), c, c);
  for (const k of state.choices.price_kinds) option($('price-kind'), k, k);
  for (const metric of ['ttft', 'tpot'])
    for (const s of state.choices.slo_statistics) option($(metric + '-stat'), s, s);
  state.study = state.choices.studies[0];
  showStudy();
  $('study').addEventListener('change', () => {
    state.study = state.choices.studies.find((s) => s.file === $('study').value);
    showStudy();
    askSoon();
  });
  $('traffic').addEventListener('input', () => { state.traffic = sliderToTraffic(+$('traffic').value); });
  $('inputs').addEventListener('input', askSoon);
  $('inputs').addEventListener('change', askSoon);
  ask();
}

start();
