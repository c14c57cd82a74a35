import type { MetricSignalJournal, RunJournal, TargetJournal, ToleranceCheck } from './journal.js';
import { describeReadBack } from './rollback.js';
import type { SignalSummary } from './signals/metric-points.js';

const chartWidth = 640;
const chartHeight = 180;
const margin = { top: 14, right: 16, bottom: 26, left: 52 };

/**
 * Renders the journal as one self-contained HTML page (inline CSS and hand-drawn SVG, no external assets): the
 * hypothesis, a verdict badge per target, and per target a latency chart (p50/p95) and an error-rate chart over
 * time with the fault window shaded and the stop-condition breach marked.
 *
 * @example
 * ```ts
 * await writeFile('report.html', renderHtmlReport(journal));
 * ```
 */
export function renderHtmlReport(
  journal: RunJournal,
  options: { readonly latencyToleranceMs?: number } = {},
): string {
  const verdictClass =
    journal.verdict === 'held' || journal.verdict === 'deviated' || journal.verdict === 'not-proven'
      ? journal.verdict
      : 'not-run';
  // Metric probes' steady-state samples can lie before the run started (observe-only runs read the recent past).
  const startMs = Math.min(
    0,
    ...journal.targets.flatMap((target) =>
      (target.metrics ?? []).flatMap((metric) =>
        metric.timeline.map((point) => point.atMs - point.periodMs / 2),
      ),
    ),
  );
  const panels = journal.targets
    .flatMap((target) => [
      ...(target.probeUrl === undefined && target.timeline.length === 0
        ? []
        : [renderTarget(journal, target, options.latencyToleranceMs, startMs)]),
      ...(target.metrics ?? []).map((metric) =>
        renderMetricPanel(journal, target, metric, options.latencyToleranceMs, startMs),
      ),
    ])
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>faultline · ${escapeHtml(journal.experiment.id)} · ${escapeHtml(journal.verdict)}</title>
<style>
  :root { --held: #16803c; --deviated: #c2261d; --notrun: #6b7280; --fault: #f59e0b; --ink: #111827; --muted: #6b7280; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f3f4f6; }
  header { background: #111827; color: #fff; padding: 24px 32px; }
  header h1 { margin: 0 0 4px; font-size: 22px; }
  header .meta { color: #cbd5e1; font-size: 13px; }
  main { max-width: 1400px; margin: 0 auto; padding: 24px 32px 48px; }
  .hypothesis { background: #fff; border-left: 4px solid #6366f1; padding: 12px 16px; margin-bottom: 20px; border-radius: 6px; }
  .hypothesis b { display: block; font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
  .badge { display: inline-block; padding: 2px 10px; border-radius: 999px; color: #fff; font-weight: 600; font-size: 13px; }
  .badge.held { background: var(--held); } .badge.deviated { background: var(--deviated); } .badge.not-run { background: var(--notrun); } .badge.not-proven { background: #b45309; }
  table { border-collapse: collapse; width: 100%; background: #fff; border-radius: 6px; overflow: hidden; margin-bottom: 24px; }
  th, td { text-align: left; padding: 8px 12px; border-bottom: 1px solid #e5e7eb; font-size: 14px; vertical-align: top; }
  th { background: #f9fafb; font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
  .panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 20px; }
  .panel { background: #fff; border-radius: 8px; padding: 16px; box-shadow: 0 1px 2px rgb(0 0 0 / 6%); }
  .panel h2 { margin: 0 0 2px; font-size: 18px; display: flex; gap: 10px; align-items: center; }
  .panel .sub { color: var(--muted); font-size: 12px; margin-bottom: 8px; word-break: break-all; }
  .panel h3 { margin: 10px 0 0; font-size: 13px; color: var(--muted); font-weight: 600; }
  svg { width: 100%; height: auto; display: block; }
  .axis text { font-size: 10px; fill: var(--muted); }
  .axis line, .grid line { stroke: #e5e7eb; }
  .fault-window { fill: var(--fault); fill-opacity: .14; }
  .series-p50 { fill: none; stroke: #2563eb; stroke-width: 2; }
  .series-p95 { fill: none; stroke: #7c3aed; stroke-width: 2; }
  .series-errors { fill: none; stroke: var(--deviated); stroke-width: 2; }
  .area-errors { fill: var(--deviated); fill-opacity: .12; }
  .tolerance { stroke: #7c3aed; stroke-dasharray: 5 4; stroke-width: 1; }
  .breach { stroke: var(--deviated); stroke-width: 2; stroke-dasharray: 3 3; }
  .measure-start { stroke: #b45309; stroke-width: 1; stroke-dasharray: 2 3; }
  .ramp-step line { stroke: #b45309; stroke-width: 1; }
  .ramp-step text { font-size: 10px; fill: #b45309; }
  .legend { font-size: 12px; color: var(--muted); display: flex; gap: 14px; flex-wrap: wrap; margin-top: 4px; }
  .legend i { display: inline-block; width: 12px; height: 3px; vertical-align: middle; margin-right: 4px; }
  .ok { color: var(--held); } .bad { color: var(--deviated); font-weight: 600; }
  details { margin-top: 24px; background: #fff; border-radius: 6px; padding: 12px 16px; }
  code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
</style>
</head>
<body>
<header>
  <h1>${escapeHtml(journal.experiment.id)} <span class="badge ${verdictClass}" data-verdict="${escapeHtml(journal.verdict)}">${verdictLabel(journal.verdict)}</span></h1>
  <div class="meta">${escapeHtml(journal.startedAt)} · ${(journal.durationMs / 1000).toFixed(1)} s · status ${escapeHtml(journal.status)}${journal.experiment.file ? ` · ${escapeHtml(journal.experiment.file)}` : ''}</div>
</header>
<main>
  <div class="hypothesis"><b>Hypothesis</b>${escapeHtml(journal.hypothesis)}</div>
  ${journal.breach ? `<p class="bad">Stopped: ${journal.breach.target === undefined ? '' : `${escapeHtml(journal.breach.target)} breached `}${escapeHtml(journal.breach.condition)} (observed ${escapeHtml(String(journal.breach.observed))}) at ${(journal.breach.atMs / 1000).toFixed(1)} s; faults were switched off everywhere.</p>` : ''}
  ${journal.error ? `<p class="bad">Error: ${escapeHtml(journal.error)}</p>` : ''}
  ${renderSummaryTable(journal)}
  ${renderInjectionTable(journal)}
  <div class="panels">
${panels}
  </div>
  <details><summary>Journal (${journal.steps.length} steps)</summary>
    <table><tr><th>time</th><th>step</th><th>target</th><th>detail</th></tr>
    ${journal.steps
      .map(
        (step) =>
          `<tr><td>${(step.atMs / 1000).toFixed(2)} s</td><td class="${step.ok ? 'ok' : 'bad'}">${escapeHtml(step.step)}</td><td>${escapeHtml(step.target ?? '')}</td><td>${escapeHtml(step.detail ?? '')}</td></tr>`,
      )
      .join('\n    ')}
    </table>
  </details>
</main>
</body>
</html>
`;
}

function renderSummaryTable(journal: RunJournal): string {
  const rows = journal.targets.map((target) => {
    const steady = target.steadyState.summary;
    const fault = target.fault?.summary;
    // After the rollback, under the same load: did the target come back?
    const recovery = target.recovery?.summary;
    return `<tr>
      <td><b>${escapeHtml(target.name)}</b>${target.cloud === target.name ? '' : ` <span class="sub">${escapeHtml(target.cloud)}</span>`}</td>
      <td><span class="badge ${target.verdict}">${verdictLabel(target.verdict)}</span><div class="sub">${escapeHtml(target.reason ?? '')}</div></td>
      <td>${describeSummary(steady)}</td>
      <td>${fault === undefined ? '—' : describeSummary(fault)}</td>
      <td>${fault === undefined ? '—' : renderChecks(target.fault?.checks ?? [])}</td>
      <td data-column="recovery">${recovery === undefined || recovery.count === 0 ? '—' : describeSummary(recovery)}</td>
      <td class="${target.rollback === undefined || target.rollback.ok ? 'ok' : 'bad'}">${escapeHtml(target.rollback?.action ?? '—')}${target.rollback === undefined ? '' : `<div class="sub">read back: ${escapeHtml(describeReadBack(target.rollback.verified))}</div>`}</td>
    </tr>`;
  });
  return `<table class="summary"><tr><th>target</th><th>verdict</th><th>steady state</th><th>under fault</th><th>tolerances</th><th>recovery</th><th>rollback</th></tr>${rows.join('')}</table>`;
}

/**
 * Per target and per fault: how many of the probe's requests during the fault window were injected (the
 * `x-faultline-injected` response header), against what the probability makes likely.
 */
function renderInjectionTable(journal: RunJournal): string {
  const targets = journal.targets.filter((target) => target.injection !== undefined);
  if (targets.length === 0) return '';
  const rows = targets.flatMap((target) => {
    const injection = target.injection as NonNullable<TargetJournal['injection']>;
    const head = `<tr><td rowspan="${Math.max(1, injection.faults.length)}"><b>${escapeHtml(target.name)}</b><div class="sub ${injection.status === 'proven' ? 'ok' : 'bad'}">${escapeHtml(injectionLabel(injection.status))}</div><div class="sub">${injection.markedRequests} of ${injection.requests} requests marked${injection.failuresWithoutMarker === 0 ? '' : `; ${injection.failuresWithoutMarker} failed without a marker`}</div></td>`;
    if (injection.faults.length === 0)
      return [`${head}<td colspan="5">${escapeHtml(injection.reason)}</td></tr>`];
    return injection.faults.map((fault, index) => {
      const cells = `<td>${escapeHtml(fault.id)} <span class="sub">${escapeHtml(fault.type)}</span></td><td>${formatNumber(fault.probability)}</td><td>${fault.injected}</td><td>${fault.expected === undefined ? '—' : `${formatNumber(fault.expected)} (≥ ${fault.minimumExpected})`}</td><td class="${fault.status === 'proven' || fault.status === 'unmarked' || fault.status === 'exact' ? 'ok' : fault.status === 'not-injected' || fault.status === 'below-expected' || fault.status === 'mismatch' ? 'bad' : ''}">${escapeHtml(fault.status)}${fault.exact === undefined ? '' : `<div class="sub">${escapeHtml(describeExact(fault.exact))}</div>`}</td></tr>`;
      return index === 0 ? `${head}${cells}` : `<tr>${cells}`;
    });
  });
  return `<table class="summary injection" data-section="injections"><tr><th>injections</th><th>fault</th><th>probability</th><th>injected</th><th>expected</th><th>status</th></tr>${rows.join('')}</table>`;
}

/** A sticky fault's request-by-request comparison, in a few words. */
function describeExact(
  exact: NonNullable<NonNullable<TargetJournal['injection']>['faults'][number]['exact']>,
): string {
  const parts = [`${exact.sampled} of ${exact.requests} compared requests selected by sticky sampling`];
  if (exact.sampledButUnmarked > 0) parts.push(`${exact.sampledButUnmarked} selected but not injected`);
  if (exact.markedButNotSampled > 0) parts.push(`${exact.markedButNotSampled} injected but not selected`);
  if (exact.mismatches.length > 0)
    parts.push(`probe ids ${exact.mismatches.map((entry) => entry.probeId).join(', ')}`);
  if (exact.settling > 0) parts.push(`${exact.settling} sent before the config was in force`);
  return parts.join('; ');
}

function injectionLabel(status: NonNullable<TargetJournal['injection']>['status']): string {
  return status === 'proven'
    ? 'injection proven'
    : status === 'not-proven'
      ? 'injection NOT proven'
      : status === 'dry-run'
        ? 'dry-run: nothing injected'
        : 'not observable by the probe (see the functions’ inject events)';
}

function describeSummary(summary: SignalSummary): string {
  const latency = summary.latencyMs.p95 === undefined ? '' : ` · p95 ${summary.latencyMs.p95} ms`;
  return `${percent(summary.successRatio)} ok${latency} <span class="sub">(${summary.count} req)</span>`;
}

function renderChecks(checks: readonly ToleranceCheck[]): string {
  return checks
    .map(
      (check) =>
        `<div class="${check.ok ? 'ok' : 'bad'}">${check.ok ? '✓' : '✗'} ${escapeHtml(check.name)} ${check.observed} <span class="sub">(needs ${escapeHtml(check.tolerance)})</span></div>`,
    )
    .join('');
}

function renderTarget(
  journal: RunJournal,
  target: TargetJournal,
  latencyToleranceMs: number | undefined,
  startMs: number,
): string {
  const endMs = Math.max(journal.phases.endMs, 1);
  const timeline = target.timeline;
  const maxLatency = niceCeiling(
    Math.max(latencyToleranceMs ?? 0, ...timeline.map((bucket) => bucket.p95), 10),
  );
  const latency = chart({
    startMs,
    endMs,
    maxY: maxLatency,
    unit: 'ms',
    journal,
    series: [
      { className: 'series-p95', points: timeline.map((bucket) => [bucket.atMs, bucket.p95] as const) },
      { className: 'series-p50', points: timeline.map((bucket) => [bucket.atMs, bucket.p50] as const) },
    ],
    tolerance: latencyToleranceMs,
    label: `latency of ${target.name}`,
  });
  const errors = errorRateChart(journal, startMs, endMs, timeline, `error rate of ${target.name}`);
  return `    <section class="panel" data-target="${escapeHtml(target.name)}">
      <h2>${escapeHtml(target.name)} <span class="badge ${target.verdict}">${verdictLabel(target.verdict)}</span></h2>
      <div class="sub">${escapeHtml(target.cloud)} · ${escapeHtml(target.store)} · ${escapeHtml(target.probeUrl ?? 'probe')}</div>
      <h3>Latency (ms)</h3>
      ${latency}
      <div class="legend"><span><i style="background:#2563eb"></i>p50</span><span><i style="background:#7c3aed"></i>p95</span>${latencyToleranceMs === undefined ? '' : '<span><i style="background:#7c3aed;opacity:.5"></i>p95 tolerance</span>'}<span><i style="background:#f59e0b;opacity:.5;height:10px"></i>fault window (dotted: measured from)</span>${journal.breach === undefined ? '' : '<span><i style="background:#c2261d"></i>stop condition</span>'}</div>
      <h3>Error rate (%)</h3>
      ${errors}
    </section>`;
}

/** A metric probe's periods, charted like the probe's requests (one point per period, at its middle). */
function renderMetricPanel(
  journal: RunJournal,
  target: TargetJournal,
  metric: MetricSignalJournal,
  latencyToleranceMs: number | undefined,
  startMs: number,
): string {
  const endMs = Math.max(journal.phases.endMs, 1);
  const timeline = metric.timeline.filter((point) => point.atMs >= startMs && point.atMs <= endMs);
  const latencySeries = (['p50', 'p95', 'p99'] as const)
    .map((key) => ({
      key,
      points: timeline.flatMap((point) => {
        const value = point[key];
        return value === undefined ? [] : [[point.atMs, value] as const];
      }),
    }))
    .filter((series) => series.points.length > 0);
  const maxLatency = niceCeiling(
    Math.max(
      latencyToleranceMs ?? 0,
      ...latencySeries.flatMap((series) => series.points.map(([, value]) => value)),
      10,
    ),
  );
  const latency =
    latencySeries.length === 0
      ? '<div class="sub">no latency query</div>'
      : chart({
          startMs,
          endMs,
          maxY: maxLatency,
          unit: 'ms',
          journal,
          series: latencySeries.map((series) => ({
            className: series.key === 'p50' ? 'series-p50' : 'series-p95',
            points: series.points,
          })),
          tolerance: latencyToleranceMs,
          label: `latency of ${target.name} from ${metric.name}`,
        });
  const errors = errorRateChart(
    journal,
    startMs,
    endMs,
    timeline,
    `error rate of ${target.name} from ${metric.name}`,
  );
  const requests = chart({
    startMs,
    endMs,
    maxY: niceCeiling(Math.max(10, ...timeline.map((point) => point.count))),
    unit: 'req',
    journal,
    series: [
      { className: 'series-p50', points: timeline.map((point) => [point.atMs, point.count] as const) },
    ],
    label: `requests per period of ${target.name} from ${metric.name}`,
  });
  const steady = metric.steadyState;
  return `    <section class="panel" data-target="${escapeHtml(target.name)}" data-metric="${escapeHtml(metric.name)}">
      <h2>${escapeHtml(target.name)} · ${escapeHtml(metric.name)} <span class="badge ${metric.fault?.held === false || steady?.held === false ? 'deviated' : metric.fault === undefined ? 'not-run' : 'held'}">${escapeHtml(metric.kind)}</span></h2>
      <div class="sub">${escapeHtml(metric.description)} · ${metric.reads} reads${metric.failedReads === 0 ? '' : `, <span class="bad">${metric.failedReads} failed</span>`}</div>
      ${steady === undefined ? '' : `<div class="sub">steady state ${(steady.fromMs / 1000).toFixed(0)}…${(steady.toMs / 1000).toFixed(0)} s: ${describeSummary(steady.summary)}</div>`}
      ${metric.fault === undefined ? '' : `<div class="sub">fault window: ${describeSummary(metric.fault.summary)}</div>${renderChecks(metric.fault.checks)}`}
      <h3>Latency (ms)</h3>
      ${latency}
      <h3>Error rate (%)</h3>
      ${errors}
      <h3>Requests per ${(metric.periodMs / 1000).toFixed(0)} s period</h3>
      ${requests}
    </section>`;
}

interface ChartOptions {
  readonly startMs: number;
  readonly endMs: number;
  readonly maxY: number;
  readonly unit: string;
  readonly journal: RunJournal;
  readonly series: readonly {
    readonly className: string;
    readonly area?: boolean;
    readonly points: readonly (readonly [number, number])[];
  }[];
  readonly tolerance?: number | undefined;
  readonly label: string;
}

/** The error-rate chart (percent of requests per bucket or period) of a timeline. */
function errorRateChart(
  journal: RunJournal,
  startMs: number,
  endMs: number,
  timeline: readonly { readonly atMs: number; readonly count: number; readonly errors: number }[],
  label: string,
): string {
  return chart({
    startMs,
    endMs,
    maxY: 100,
    unit: '%',
    journal,
    series: [
      {
        className: 'series-errors',
        area: true,
        points: timeline.map(
          (point) => [point.atMs, point.count === 0 ? 0 : (100 * point.errors) / point.count] as const,
        ),
      },
    ],
    label,
  });
}

function chart(options: ChartOptions): string {
  const innerWidth = chartWidth - margin.left - margin.right;
  const innerHeight = chartHeight - margin.top - margin.bottom;
  const spanMs = Math.max(1, options.endMs - options.startMs);
  const x = (ms: number) =>
    margin.left + ((Math.min(ms, options.endMs) - options.startMs) / spanMs) * innerWidth;
  const y = (value: number) =>
    margin.top + innerHeight - (Math.min(value, options.maxY) / options.maxY) * innerHeight;
  const parts: string[] = [];
  const { phases } = options.journal;
  if (phases.faultStartMs !== undefined) {
    const end = phases.faultEndMs ?? phases.endMs;
    parts.push(
      `<rect class="fault-window" x="${f(x(phases.faultStartMs))}" y="${margin.top}" width="${f(Math.max(1, x(end) - x(phases.faultStartMs)))}" height="${innerHeight}"><title>fault window ${(phases.faultStartMs / 1000).toFixed(1)}–${(end / 1000).toFixed(1)} s</title></rect>`,
    );
  }
  for (let tick = 0; tick <= 4; tick++) {
    const value = (options.maxY * tick) / 4;
    parts.push(
      `<g class="grid"><line x1="${margin.left}" x2="${chartWidth - margin.right}" y1="${f(y(value))}" y2="${f(y(value))}"/></g><g class="axis"><text x="${margin.left - 6}" y="${f(y(value) + 3)}" text-anchor="end">${formatNumber(value)}</text></g>`,
    );
  }
  const seconds = spanMs / 1000;
  const step =
    seconds > 3600
      ? 600
      : seconds > 600
        ? 120
        : seconds > 180
          ? 30
          : seconds > 60
            ? 10
            : seconds > 20
              ? 5
              : seconds > 8
                ? 2
                : 1;
  const firstTick = Math.ceil(options.startMs / 1000 / step) * step;
  for (let second = firstTick; second <= options.endMs / 1000; second += step) {
    parts.push(
      `<g class="axis"><text x="${f(x(second * 1000))}" y="${chartHeight - 8}" text-anchor="middle">${second}s</text></g>`,
    );
  }
  if (options.tolerance !== undefined) {
    parts.push(
      `<line class="tolerance" x1="${margin.left}" x2="${chartWidth - margin.right}" y1="${f(y(options.tolerance))}" y2="${f(y(options.tolerance))}"/>`,
    );
  }
  for (const series of options.series) {
    if (series.points.length === 0) continue;
    const d = series.points
      .map(([ms, value], index) => `${index === 0 ? 'M' : 'L'}${f(x(ms))},${f(y(value))}`)
      .join(' ');
    if (series.area) {
      const first = series.points[0] as readonly [number, number];
      const last = series.points.at(-1) as readonly [number, number];
      parts.push(
        `<path class="area-errors" d="${d} L${f(x(last[0]))},${f(y(0))} L${f(x(first[0]))},${f(y(0))} Z"/>`,
      );
    }
    parts.push(`<path class="${series.className}" d="${d}" data-points="${series.points.length}"/>`);
  }
  // Where the measurement starts (after the propagation wait) and where each ramp step begins.
  if (phases.measureStartMs !== undefined && phases.faultStartMs !== undefined) {
    parts.push(
      `<line class="measure-start" x1="${f(x(phases.measureStartMs))}" x2="${f(x(phases.measureStartMs))}" y1="${margin.top}" y2="${margin.top + innerHeight}"><title>measured from ${(phases.measureStartMs / 1000).toFixed(1)} s (after the propagation wait)</title></line>`,
    );
  }
  for (const step of options.journal.ramp ?? []) {
    if (!Number.isFinite(step.probability)) continue;
    parts.push(
      `<g class="ramp-step"><line x1="${f(x(step.startMs))}" x2="${f(x(step.startMs))}" y1="${margin.top}" y2="${margin.top + innerHeight}"/><text x="${f(x(step.startMs) + 3)}" y="${margin.top + 9}">p=${step.probability}</text></g>`,
    );
  }
  const breach = options.journal.breach;
  if (breach !== undefined) {
    parts.push(
      `<line class="breach" x1="${f(x(breach.atMs))}" x2="${f(x(breach.atMs))}" y1="${margin.top}" y2="${margin.top + innerHeight}"><title>stop: ${escapeHtml(breach.condition)}</title></line>`,
    );
  }
  parts.push(
    `<line class="axis-line" x1="${margin.left}" x2="${chartWidth - margin.right}" y1="${margin.top + innerHeight}" y2="${margin.top + innerHeight}" stroke="#9ca3af"/>`,
  );
  return `<svg viewBox="0 0 ${chartWidth} ${chartHeight}" role="img" aria-label="${escapeHtml(options.label)}">${parts.join('')}</svg>`;
}

function verdictLabel(verdict: string): string {
  return verdict === 'held'
    ? 'hypothesis held'
    : verdict === 'deviated'
      ? 'deviated'
      : verdict === 'not-proven'
        ? 'injection not proven'
        : 'not run';
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio === 1 ? 0 : 1)} %`;
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 2.5, 5, 10]) if (factor * magnitude >= value) return factor * magnitude;
  return 10 * magnitude;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function f(value: number): string {
  return value.toFixed(1);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
