// The ActorCodistill dashboard: one page over the server's JSON API (docs/dashboard.md). The live run arrives as
// server-sent events from /api/live: a "snapshot", then "update"s with new points and events and the latest status.
// Charts are uPlot (vendored by deploy/vendor-web.sh); the topology graph is plain SVG. Nothing is fetched from
// anywhere but this server.
"use strict";

(() => {
  const palette = ["#2f6fde", "#e0662f", "#1f9d55", "#9b51e0", "#c2185b", "#00897b", "#795548", "#546e7a"];
  const colorOf = g => palette[g % palette.length];
  const $ = id => document.getElementById(id);
  const num = v => (v === null || v === undefined) ? null : Number(v); // "NaN"/"Infinity" come as strings

  const state = {
    run: null, status: null, finished: false, changesAllowed: false,
    groups: new Map(),          // group -> { steps: [], time: [], task: [], distill: [], distillOn: [], val: [], eps: [], age: [], ages: {}, allreduce: 0, members: 0 }
    events: [], broadcast: new Map(), members: [],
    baseline: null,             // { name, steps: [], mean: [] }
  };

  function group(g) {
    if (!state.groups.has(g)) {
      state.groups.set(g, { steps: [], time: [], task: [], distill: [], distillOn: [], val: [], eps: [], age: [], ages: {}, allreduce: 0, members: 0 });
    }
    return state.groups.get(g);
  }

  function addPoint(p) {
    const s = group(p.group);
    // A group resumed from a checkpoint repeats steps: the later point replaces the earlier ones from that step on.
    while (s.steps.length > 0 && s.steps[s.steps.length - 1] >= p.step) {
      for (const k of ["steps", "time", "task", "distill", "distillOn", "val", "eps", "age"]) s[k].pop();
    }
    s.steps.push(p.step);
    s.time.push(p.timeSeconds);
    s.task.push(num(p.taskLoss));
    s.distill.push(p.distillOn ? num(p.distillLoss) : null);
    s.distillOn.push(p.distillOn);
    s.val.push(num(p.valLoss));
    s.eps.push(num(p.examplesPerSecond));
    const ages = Object.values(p.ages || {});
    s.age.push(ages.length ? Math.max(...ages) : null);
    s.ages = p.ages || {};
    s.allreduce += p.allreduceBytes;
    s.members = p.members;
  }

  // ---- the live stream ----

  function connect() {
    const source = new EventSource("/api/live");
    source.addEventListener("snapshot", e => {
      const snap = JSON.parse(e.data);
      state.run = snap.run;
      state.changesAllowed = snap.changesAllowed;
      state.groups = new Map();
      state.events = [];
      state.broadcast = new Map();
      for (let g = 0; g < snap.run.groups; g++) group(g);
      snap.points.forEach(addPoint);
      state.events = snap.events.slice();
      snap.broadcast.forEach(b => state.broadcast.set(b.group, b));
      state.members = snap.members;
      state.status = snap.status;
      state.finished = snap.finished;
      setConnection(snap.finished ? "ended" : "live");
      onRunKnown();
      schedule();
      if (snap.finished) source.close();
    });
    source.addEventListener("update", e => {
      const u = JSON.parse(e.data);
      u.points.forEach(addPoint);
      state.events.push(...u.events);
      if (u.status) state.status = u.status;
      if (u.broadcast) u.broadcast.forEach(b => state.broadcast.set(b.group, b));
      if (u.members) state.members = u.members;
      if (u.finished) {
        state.finished = true;
        setConnection("ended");
        source.close();
      }
      schedule();
    });
    source.onerror = () => {
      if (state.finished) {
        source.close();
        setConnection("ended");
      } else {
        setConnection("reconnecting");
      }
    };
  }

  function setConnection(s) {
    const el = $("connection");
    el.dataset.state = s;
    el.textContent = { live: "live", ended: "run ended", reconnecting: "reconnecting…", connecting: "connecting" }[s];
  }

  // Redraws at most once a frame, however many updates arrive.
  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
    });
  }

  let runKnown = false;
  function onRunKnown() {
    if (runKnown) return;
    runKnown = true;
    $("run-label").textContent = `${state.run.label} · ${state.run.task} · ${state.run.groups} groups × ${state.run.workersPerGroup} workers · ${state.run.hosting}`;
    document.title = `${state.run.runId} · ActorCodistill`;
    $("changes").hidden = !state.changesAllowed;
    $("changes-off").hidden = state.changesAllowed;
    loadRunList();
  }

  function render() {
    renderHeader();
    renderGroups();
    renderTopology();
    renderLossChart();
    renderSmallCharts();
    renderBytes();
    renderMembers();
    renderEvents();
  }

  // ---- header and groups ----

  function renderHeader() {
    const s = state.status;
    const phase = s ? s.phase : "created";
    $("phase").textContent = phase === "burnin" ? "burn-in" : phase;
    $("phase").dataset.phase = phase;
    $("topology-name").textContent = s ? s.topology : "–";
    $("reload-interval").textContent = s ? s.reloadInterval : "–";
    $("distill-weight").textContent = s ? s.distillWeight : "–";
    $("status-note").textContent = s && s.error ? `status: ${s.error}` : "";
  }

  function fmt(v, digits = 4) {
    return v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toFixed(digits);
  }

  function last(a) {
    for (let i = a.length - 1; i >= 0; i--) if (a[i] !== null && a[i] !== undefined) return a[i];
    return null;
  }

  function eta(s) {
    const n = s.steps.length;
    if (n < 2) return "–";
    const from = Math.max(0, n - 20);
    const dt = s.time[n - 1] - s.time[from], ds = s.steps[n - 1] - s.steps[from];
    const left = state.run.steps - s.steps[n - 1];
    if (left <= 0) return "done";
    if (dt <= 0 || ds <= 0) return "–";
    const secs = left * dt / ds;
    return secs < 90 ? `${Math.round(secs)} s` : secs < 5400 ? `${Math.round(secs / 60)} min` : `${(secs / 3600).toFixed(1)} h`;
  }

  function renderGroups() {
    const body = $("groups").tBodies[0];
    const rows = [];
    for (const [g, s] of [...state.groups].sort((a, b) => a[0] - b[0])) {
      const step = s.steps.length ? s.steps[s.steps.length - 1] : (state.status?.groupSteps?.[g] ?? 0);
      const pct = Math.min(100, 100 * step / state.run.steps);
      const ages = Object.entries(s.ages).map(([t, a]) => `g${t}: ${a}`).join(", ") || "–";
      const members = state.status?.groupMembers?.[g] ?? s.members ?? "–";
      rows.push(`<tr data-group="${g}"><td><span class="swatch" style="color:${colorOf(g)}">■</span> ${g}</td>` +
        `<td>${step} / ${state.run.steps}</td><td class="bar-col"><div class="bar"><div style="width:${pct.toFixed(1)}%"></div></div></td>` +
        `<td>${eta(s)}</td><td>${members}</td><td>${fmt(last(s.task))}</td><td>${fmt(last(s.distill))}</td><td>${fmt(last(s.val))}</td>` +
        `<td>${ages}</td><td>${fmt(last(s.eps), 1)}</td></tr>`);
    }
    body.innerHTML = rows.join("");
  }

  // ---- topology ----

  function renderTopology() {
    const svg = $("topology");
    const n = state.run.groups;
    const cx = 160, cy = 130, r = n <= 1 ? 0 : 92;
    const pos = g => ({ x: cx + r * Math.sin(2 * Math.PI * g / n), y: cy - r * Math.cos(2 * Math.PI * g / n) });
    const configured = [];
    if (state.status && state.status.teachers) {
      for (const [g, teachers] of Object.entries(state.status.teachers)) for (const t of teachers) configured.push([t, Number(g)]);
    }
    const inUse = [];
    for (const [g, s] of state.groups) for (const [t, age] of Object.entries(s.ages)) inUse.push([Number(t), g, age]);
    const key = ([t, g]) => `${t}>${g}`;
    const inUseKeys = new Set(inUse.map(key));
    const parts = [`<defs>${palette.map((c, i) => `<marker id="arrow${i}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`).join("")}` +
      `<marker id="arrow-muted" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#98a2b3"/></marker></defs>`];
    const edge = (t, g, cls, marker, color, label) => {
      const a = pos(t), b = pos(g);
      const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
      const ux = dx / len, uy = dy / len, nodeR = 24;
      const sx = a.x + ux * nodeR, sy = a.y + uy * nodeR, ex = b.x - ux * nodeR, ey = b.y - uy * nodeR;
      // Bend each edge to its right, so the two directions of a pair are both visible.
      const mx = (sx + ex) / 2 - uy * 34, my = (sy + ey) / 2 + ux * 34;
      const lx = (sx + ex) / 2 - uy * 30, ly = (sy + ey) / 2 + ux * 30 + 4;
      return `<path class="edge ${cls}" data-edge="${t}>${g}" d="M${sx},${sy} Q${mx},${my} ${ex},${ey}" stroke="${color}" marker-end="url(#${marker})"/>` +
        (label ? `<text class="edge-label" x="${lx}" y="${ly}">${label}</text>` : "");
    };
    for (const [t, g] of configured) if (!inUseKeys.has(key([t, g]))) parts.push(edge(t, g, "configured", "arrow-muted", "#98a2b3", ""));
    for (const [t, g, age] of inUse) parts.push(edge(t, g, "in-use", `arrow${t % palette.length}`, colorOf(t), `age ${age}`));
    for (let g = 0; g < n; g++) {
      const p = pos(g);
      parts.push(`<g class="node" data-group="${g}"><circle cx="${p.x}" cy="${p.y}" r="22" stroke="${colorOf(g)}"/><text x="${p.x}" y="${p.y}">g${g}</text></g>`);
    }
    svg.innerHTML = parts.join("");
    svg.dataset.edges = configured.map(key).sort().join(" ");
    svg.dataset.edgesInUse = inUse.map(key).sort().join(" ");
  }

  // ---- charts ----

  // Aligns per-group series on one x axis (the union of steps), with nulls where a group has no value.
  function align(seriesOf) {
    const stepSet = new Set();
    for (const s of state.groups.values()) for (const x of s.steps) stepSet.add(x);
    if (state.baseline && seriesOf.withBaseline) for (const x of state.baseline.steps) stepSet.add(x);
    const xs = [...stepSet].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const columns = [];
    for (const [, s] of [...state.groups].sort((a, b) => a[0] - b[0])) {
      for (const pick of seriesOf.picks) {
        const col = new Array(xs.length).fill(null);
        const ys = pick(s);
        for (let i = 0; i < s.steps.length; i++) col[index.get(s.steps[i])] = ys[i];
        columns.push(col);
      }
    }
    if (state.baseline && seriesOf.withBaseline) {
      const col = new Array(xs.length).fill(null);
      state.baseline.steps.forEach((x, i) => { col[index.get(x)] = state.baseline.mean[i]; });
      columns.push(col);
    }
    return [xs, ...columns];
  }

  const charts = {};
  function chart(id, seriesList, data, yLabel, height = 260) {
    const el = $(id);
    const width = Math.max(300, el.clientWidth || 600);
    const shape = seriesList.map(s => s.label).join("|");
    const existing = charts[id];
    if (existing && existing.shape === shape && existing.width === width) {
      existing.plot.setData(data);
      return;
    }
    if (existing) existing.plot.destroy();
    const plot = new uPlot({
      width, height,
      scales: { x: { time: false } },
      axes: [{ label: "step" }, { label: yLabel, size: 60 }],
      series: [{ label: "step" }, ...seriesList],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
    }, data, el);
    charts[id] = { plot, shape, width };
  }

  function renderLossChart() {
    const groups = [...state.groups.keys()].sort((a, b) => a - b);
    const series = [];
    for (const g of groups) {
      series.push({ label: `g${g} train`, stroke: colorOf(g), width: 1.5 });
      series.push({ label: `g${g} distill`, stroke: colorOf(g), width: 1, dash: [4, 4] });
      series.push({ label: `g${g} val`, stroke: colorOf(g), width: 2.5, spanGaps: true, points: { show: true, size: 7, fill: colorOf(g) } });
    }
    if (state.baseline) series.push({ label: `baseline ${state.baseline.name} (mean val)`, stroke: "#475467", width: 2, dash: [8, 5], spanGaps: true, points: { show: true, size: 5 } });
    const data = align({ picks: [s => s.task, s => s.distill, s => s.val], withBaseline: true });
    chart("loss-chart", series, data, "loss", 300);
    let points = 0, vals = 0;
    for (const s of state.groups.values()) {
      points += s.steps.length;
      vals += s.val.filter(v => v !== null).length;
    }
    $("loss-chart").dataset.points = String(points);
    $("loss-chart").dataset.valPoints = String(vals);
  }

  function renderSmallCharts() {
    const groups = [...state.groups.keys()].sort((a, b) => a - b);
    chart("age-chart", groups.map(g => ({ label: `g${g}`, stroke: colorOf(g), width: 1.5 })), align({ picks: [s => s.age] }), "steps", 180);
    chart("speed-chart", groups.map(g => ({ label: `g${g}`, stroke: colorOf(g), width: 1.5 })), align({ picks: [s => s.eps] }), "examples/s", 180);
  }

  // ---- bytes, members, events ----

  function bytes(n) {
    if (n === null || n === undefined || !Number.isFinite(n)) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
  }

  function renderBytes() {
    let allreduce = 0, maxStep = 0;
    for (const s of state.groups.values()) {
      allreduce += s.allreduce;
      if (s.steps.length) maxStep = Math.max(maxStep, s.steps[s.steps.length - 1]);
    }
    let between = 0, copies = 0;
    for (const b of state.broadcast.values()) { between += b.bytesSent; copies += b.checkpoints; }
    const per = v => maxStep > 0 ? bytes(v / maxStep) : "–";
    const rows = [
      ["inside groups (allreduce), per step", per(allreduce)],
      ["between groups (teacher copies), per step", per(between)],
      ["inside groups, total", bytes(allreduce)],
      ["between groups, total", `${bytes(between)} (${copies} copies published)`],
    ];
    $("bytes").tBodies[0].innerHTML = rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join("");
  }

  function esc(text) {
    return String(text).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function renderMembers() {
    $("members").tBodies[0].innerHTML = state.members.map(m =>
      `<tr><td>${esc(m.address)}</td><td>${esc(m.roles.join(", "))}</td><td>${esc(m.devices.join(", "))}</td><td>${esc(m.status)}</td>` +
      `<td>${m.reachable ? "yes" : "<b class=\"bad\">no</b>"}</td><td class="wrap">${esc(m.incarnation)}</td><td class="wrap">${esc(m.slots.join(", "))}</td></tr>`).join("");
    const placement = state.status?.placement ?? [];
    $("placement").innerHTML = placement.map(p => `<li>${esc(p)}</li>`).join("");
    if (state.members.length === 0 && placement.length === 0) {
      $("members").tBodies[0].innerHTML = `<tr><td colspan="7" class="note">no members reported yet</td></tr>`;
    }
    $("change-values").innerHTML = state.members.map(m => `<option value="${esc(m.address)}"></option>`).join("");
  }

  // A failure's message can carry a native stack trace; the table shows its first sentence, the tooltip all of it.
  function brief(message) {
    const cut = message.search(/ Exception raised from | frame #0:|\n/);
    const text = cut > 0 ? message.slice(0, cut) + " …" : message;
    return text.length > 300 ? text.slice(0, 300) + " …" : text;
  }

  const categories = new Set();
  function renderEvents() {
    const filter = $("event-filter").value;
    for (const e of state.events) {
      if (!categories.has(e.category)) {
        categories.add(e.category);
        $("event-filter").insertAdjacentHTML("beforeend", `<option value="${esc(e.category)}">${esc(e.category)}</option>`);
      }
    }
    const shown = state.events.filter(e => !filter || e.category === filter).slice(-500).reverse();
    $("events").tBodies[0].innerHTML = shown.map(e =>
      `<tr data-category="${esc(e.category)}"><td>${new Date(e.utc).toLocaleTimeString()}</td><td>${e.step}</td><td>${e.group < 0 ? "job" : e.group}</td>` +
      `<td><span class="cat cat-${esc(e.category)}">${esc(e.category)}</span></td><td class="msg" title="${esc(e.message)}">${esc(brief(e.message))}</td></tr>`).join("");
  }
  $("event-filter").addEventListener("change", renderEvents);

  // ---- changes ----

  const hints = { "topology": "ring, all-to-all or pairwise", "reload-interval": "steps, e.g. 25", "weight": "e.g. 0.5", "drain": "node address" };
  $("change-kind").addEventListener("change", () => { $("change-value").placeholder = hints[$("change-kind").value]; });
  $("changes").addEventListener("submit", async e => {
    e.preventDefault();
    const result = $("change-result");
    const at = $("change-at").value.trim();
    const body = { kind: $("change-kind").value, value: $("change-value").value.trim(), atStep: at ? Number(at) : null, confirm: $("change-confirm").checked };
    const headers = { "Content-Type": "application/json" };
    const token = $("token").value.trim();
    if (token) headers["Authorization"] = `Bearer ${token}`;
    result.dataset.outcome = "";
    result.textContent = "sending…";
    try {
      const response = await fetch("/api/change", { method: "POST", headers, body: JSON.stringify(body) });
      const answer = await response.json();
      if (response.ok) {
        result.dataset.outcome = "accepted";
        result.textContent = `accepted: ${answer.message}`;
      } else {
        result.dataset.outcome = "refused";
        result.textContent = `refused (${response.status}): ${answer.message ?? answer.error}`;
      }
    } catch (err) {
      result.dataset.outcome = "error";
      result.textContent = `could not send: ${err}`;
    }
  });

  // ---- past runs ----

  async function getJson(url) {
    const response = await fetch(url);
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  async function loadRunList() {
    let runs = [];
    try {
      runs = await getJson("/api/runs");
    } catch (err) {
      $("past-text").textContent = `could not list runs: ${err.message}`;
      return;
    }
    const options = runs.map(r => `<option value="${esc(r.name)}">${esc(r.label)} · ${esc(r.task)} · ${r.groups}×${r.workersPerGroup}</option>`).join("");
    $("run-a").innerHTML = options;
    $("run-b").innerHTML = options;
    const others = runs.filter(r => r.name !== state.run.runId);
    $("baseline-select").insertAdjacentHTML("beforeend", others.map(r => `<option value="${esc(r.name)}">${esc(r.label)}</option>`).join(""));
    if (runs.length > 1) $("run-b").selectedIndex = 1;
    // A link can say what to show: #baseline=RUN (the overlay), #open=RUN, #compare=RUN_A,RUN_B.
    const wanted = new URLSearchParams(location.hash.slice(1));
    const baseline = wanted.get("baseline") ?? state.run.compareWith;
    if (baseline && others.some(r => r.name === baseline)) {
      $("baseline-select").value = baseline;
      await chooseBaseline();
    }
    const pick = (select, name) => { if (runs.some(r => r.name === name)) $(select).value = name; };
    if (wanted.has("open")) {
      pick("run-a", wanted.get("open"));
      $("open-run").click();
    } else if (wanted.has("compare")) {
      const [a, b] = wanted.get("compare").split(",");
      pick("run-a", a);
      pick("run-b", b);
      $("compare-runs").click();
    }
  }

  async function chooseBaseline() {
    const name = $("baseline-select").value;
    if (!name) {
      state.baseline = null;
      $("baseline-note").textContent = "";
      schedule();
      return;
    }
    try {
      const run = await getJson(`/api/run?name=${encodeURIComponent(name)}`);
      state.baseline = { name, steps: run.meanValidation.map(p => p.step), mean: run.meanValidation.map(p => num(p.meanValLoss)) };
      const best = run.meanValidation.reduce((b, p) => (b === null || num(p.meanValLoss) < num(b.meanValLoss) ? p : b), null);
      $("baseline-note").textContent = best ? `best mean validation loss ${fmt(num(best.meanValLoss))} at step ${best.step}` : "no evaluations";
    } catch (err) {
      state.baseline = null;
      $("baseline-note").textContent = `cannot overlay: ${err.message}`;
    }
    schedule();
  }
  $("baseline-select").addEventListener("change", chooseBaseline);

  function pastSeries(run, tag, dash) {
    const byGroup = new Map();
    for (const e of run.eval) {
      if (!byGroup.has(e.group)) byGroup.set(e.group, []);
      byGroup.get(e.group).push(e);
    }
    const lines = [...byGroup].sort((a, b) => a[0] - b[0]).map(([g, evals]) => ({
      label: `${tag} g${g} val`, color: colorOf(g), dash, steps: evals.map(e => e.step), ys: evals.map(e => num(e.valLoss)),
    }));
    lines.push({ label: `${tag} mean val`, color: "#1d2330", dash, width: 2.5, steps: run.meanValidation.map(p => p.step), ys: run.meanValidation.map(p => num(p.meanValLoss)) });
    return lines;
  }

  function drawPast(lines) {
    const xs = [...new Set(lines.flatMap(l => l.steps))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const data = [xs, ...lines.map(l => {
      const col = new Array(xs.length).fill(null);
      l.steps.forEach((x, i) => { col[index.get(x)] = l.ys[i]; });
      return col;
    })];
    chart("past-chart", lines.map(l => ({ label: l.label, stroke: l.color, width: l.width || 1.5, dash: l.dash, spanGaps: true, points: { show: true, size: 4 } })),
      data, "validation loss", 280);
  }

  $("open-run").addEventListener("click", async () => {
    const name = $("run-a").value;
    if (!name) return;
    try {
      const run = await getJson(`/api/run?name=${encodeURIComponent(name)}`);
      drawPast(pastSeries(run, "A", undefined));
      $("past-text").textContent = run.summary + (run.events.length ? `\n${run.events.length} events; last: ${run.events[run.events.length - 1].message}` : "");
      $("past-text-b").textContent = "";
    } catch (err) {
      $("past-text").textContent = `cannot open ${name}: ${err.message}`;
    }
  });

  $("compare-runs").addEventListener("click", async () => {
    const a = $("run-a").value, b = $("run-b").value;
    if (!a || !b) return;
    try {
      const pair = await getJson(`/api/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
      drawPast([...pastSeries(pair.a, "A", undefined), ...pastSeries(pair.b, "B", [6, 4])]);
      const churn = pair.retrains.map(c => c.text ?? `group ${c.group}: no churn (${c.error})`).join("\n");
      $("past-text").textContent =
        `steps to target (A as the baseline):\n${pair.stepsToTarget ?? pair.stepsToTargetError}\n` +
        `prediction churn between the two runs:\n${churn}\n\nchurn between A's groups:\n${pair.churnBetweenGroupsA}\nchurn between B's groups:\n${pair.churnBetweenGroupsB}`;
      $("past-text-b").textContent = `A: ${pair.a.summary}\nB: ${pair.b.summary}`;
    } catch (err) {
      $("past-text").textContent = `cannot compare: ${err.message}`;
    }
  });

  window.addEventListener("resize", () => { if (state.run) schedule(); });
  connect();
})();
