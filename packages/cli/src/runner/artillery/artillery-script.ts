import type { ProbeRequest } from '../load.js';

/** The name faultline's live-stats plugin is loaded under (`artillery-plugin-<name>` on `ARTILLERY_PLUGIN_PATH`). */
export const artilleryLivePluginName = 'faultline-live';

/** Options of {@link createArtilleryScript}. */
export interface ArtilleryScriptOptions {
  readonly probe: ProbeRequest;
  readonly ratePerSecond: number;
  /**
   * How long Artillery sends (one constant-rate phase). The runner stops Artillery itself when the run ends, so this
   * is an upper bound: the whole run's planned length plus a margin.
   */
  readonly durationSeconds: number;
}

/**
 * Writes the Artillery test script (JSON, which Artillery reads like YAML) for one target's probe: one scenario with
 * the probe's request, arriving at `ratePerSecond` for `durationSeconds` (an open model, like the built-in
 * generator), the probe's timeout as Artillery's `http.timeout`, and faultline's live-stats plugin.
 *
 * Expected statuses are not written into the script: Artillery counts every status code, and faultline counts the
 * unexpected ones as errors when it reads the periods (so the same `expectStatus` rule as the built-in driver).
 *
 * @example
 * ```ts
 * const script = createArtilleryScript({
 *   probe: { url: 'http://127.0.0.1:3000/orders/1', method: 'GET', timeoutMs: 2000 },
 *   ratePerSecond: 200,
 *   durationSeconds: 120,
 * });
 * await writeFile('script.json', JSON.stringify(script));
 * ```
 */
export function createArtilleryScript(options: ArtilleryScriptOptions): Record<string, unknown> {
  const { probe } = options;
  const url = new URL(probe.url);
  const request: Record<string, unknown> = {
    url: `${url.pathname}${url.search}`,
    ...(probe.headers === undefined ? {} : { headers: { ...probe.headers } }),
    ...(probe.body === undefined ? {} : { body: probe.body }),
  };
  return {
    config: {
      target: url.origin,
      phases: [
        {
          name: 'faultline',
          duration: Math.max(1, Math.ceil(options.durationSeconds)),
          arrivalRate: options.ratePerSecond,
        },
      ],
      // Artillery's timeout is in seconds; a timed-out request is counted as `errors.ETIMEDOUT`.
      http: { timeout: probe.timeoutMs / 1000 },
      plugins: { [artilleryLivePluginName]: {} },
    },
    scenarios: [{ name: 'probe', flow: [{ [probe.method.toLowerCase()]: request }] }],
  };
}

/**
 * The live-stats plugin (CommonJS, written next to the script): in Artillery's main thread it prints every
 * intermediate report (one per 10 s period, once all workers reported it) as one line, `faultline-period <json>`,
 * with the counters and the response-time summary faultline reads, and `faultline-started` when the first phase
 * starts sending. The plugin is also constructed in every worker
 * thread, where it does nothing.
 */
export const artilleryLivePluginSource = `'use strict';
const { isMainThread } = require('node:worker_threads');
const summaryKeys = ['p50', 'p95', 'p99', 'max', 'count'];
function compact(stats) {
  const counters = {};
  for (const [name, value] of Object.entries(stats.counters || {})) {
    if (name === 'http.requests' || name === 'http.responses' || name.startsWith('http.codes.') || name.startsWith('errors.')) counters[name] = value;
  }
  const summary = (stats.summaries || {})['http.response_time'];
  const latency = {};
  if (summary) for (const key of summaryKeys) if (typeof summary[key] === 'number') latency[key] = summary[key];
  return { period: Number(stats.period), counters, latency };
}
class Plugin {
  constructor(script, events) {
    if (!isMainThread) return;
    events.on('phaseStarted', () => process.stdout.write('faultline-started\\n'));
    events.on('stats', (stats) => process.stdout.write('faultline-period ' + JSON.stringify(compact(stats)) + '\\n'));
    events.on('done', () => process.stdout.write('faultline-done\\n'));
  }
}
module.exports = { Plugin, LEGACY_METRICS_FORMAT: false };
`;
