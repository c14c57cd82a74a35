import { describe, expect, it } from 'vitest';
import { printVerdictTable } from '../../src/commands/run.js';
import { createMemoryOutput } from '../../src/output.js';
import { renderHtmlReport } from '../../src/runner/html-report.js';
import type { RunJournal, TargetJournal } from '../../src/runner/journal.js';

const summary = {
  count: 40,
  errors: 0,
  successRatio: 1,
  errorRate: 0,
  latencyMs: { p50: 20, p95: 40, p99: 50, max: 60 },
};

function target(name: string, verdict: TargetJournal['verdict']): TargetJournal {
  return {
    name,
    cloud: 'aws',
    store: 'aws-ssm:/faultline/demo',
    probeUrl: 'http://127.0.0.1:3000/orders/o-1001',
    steadyState: { summary, checks: [], held: true },
    fault: {
      summary: { ...summary, errors: 12, successRatio: 0.7, errorRate: 0.3 },
      checks: [{ name: 'success ratio', observed: 0.7, tolerance: '≥ 0.99', ok: false }],
    },
    recovery: { summary: { ...summary, count: 30, latencyMs: { p50: 21, p95: 44, p99: 50, max: 61 } } },
    verdict,
    reason: 'success ratio 0.7 (needs ≥ 0.99)',
    rollback: {
      action: 'restored the previous experiment',
      ok: true,
      verified: { state: 'previous', version: '7', id: 'checkout', enabled: false },
    },
    skippedRequests: 0,
    timeline: Array.from({ length: 20 }, (_, index) => ({
      atMs: index * 500,
      count: 5,
      errors: index > 8 && index < 16 ? 2 : 0,
      p50: 20 + index,
      p95: 40 + index,
    })),
  };
}

const journal: RunJournal = {
  journalVersion: 1,
  experiment: { id: 'order-failures', file: 'experiments/order-failures.yaml' },
  hypothesis: 'Orders <script>alert(1)</script> survive & thrive',
  startedAt: '2026-11-29T19:00:00.000Z',
  finishedAt: '2026-11-29T19:00:10.000Z',
  durationMs: 10_000,
  status: 'stopped',
  verdict: 'deviated',
  phases: {
    steadyStateEndMs: 4000,
    faultStartMs: 4000,
    measureStartMs: 5500,
    faultEndMs: 8000,
    endMs: 10_000,
  },
  ramp: [
    { probability: 0.1, startMs: 4100 },
    { probability: 0.3, startMs: 6000 },
  ],
  stopConditions: ['errorRate > 0.6 over 3 s'],
  breach: { atMs: 7900, target: 'aws', condition: 'errorRate > 0.6 over 3 s', observed: 0.7 },
  steps: [{ at: '2026-11-29T19:00:00.000Z', atMs: 0, step: 'start', ok: true, detail: '<b>1</b> target' }],
  targets: [target('aws', 'deviated'), target('gcp', 'deviated')],
};

describe('renderHtmlReport', () => {
  const html = renderHtmlReport(journal, { latencyToleranceMs: 800 });

  it('escapes everything that comes from the experiment or the stores', () => {
    expect(html).not.toContain('<script>');
    expect(html).toContain('Orders &#60;script&#62;alert(1)&#60;/script&#62; survive &#38; thrive');
    expect(html).not.toContain('<b>1</b> target');
  });

  it('draws one panel per target with the fault window, the breach, the ramp steps and the tolerance', () => {
    expect(html.match(/<section class="panel"/g)).toHaveLength(2);
    // Two charts per panel, each with its shaded window.
    expect(html.match(/class="fault-window"/g)).toHaveLength(4);
    expect(html.match(/class="breach"/g)).toHaveLength(4);
    expect(html).toContain('p=0.1');
    expect(html).toContain('p=0.3');
    expect(html.match(/class="tolerance"/g)).toHaveLength(2);
    expect(html).toMatch(/<path class="series-p95" d="M[\d.]+,[\d.]+( L[\d.]+,[\d.]+){19}"/);
  });

  it('shows the recovery after the rollback next to the steady state and the fault window', () => {
    expect(html).toContain('<th>under fault</th><th>tolerances</th><th>recovery</th><th>rollback</th>');
    expect(html).toContain(
      '<td data-column="recovery">100 % ok · p95 44 ms <span class="sub">(30 req)</span></td>',
    );
    const withoutRecovery = renderHtmlReport({
      ...journal,
      targets: [{ ...target('aws', 'held'), recovery: { summary: { ...summary, count: 0 } } }],
    });
    expect(withoutRecovery).toContain('<td data-column="recovery">—</td>');
  });

  it('prints the recovery in the terminal table too', () => {
    const output = createMemoryOutput();
    printVerdictTable(output, journal);
    const [header, aws] = output.stdout.split('\n');
    expect(header).toMatch(/steady state\s+under fault\s+recovery\s+injected\s+rollback/);
    expect(aws).toMatch(/70.0 % ok, p95 40 ms\s+100.0 % ok, p95 44 ms/);
  });

  it('is self-contained: no scripts, stylesheets, images or fonts from anywhere', () => {
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/);
  });

  it('shows the verdict, the reason, the stop condition that fired and what the rollback read back', () => {
    expect(html).toContain('data-verdict="deviated"');
    expect(html).toContain('success ratio 0.7 (needs ≥ 0.99)');
    expect(html).toContain('Stopped: aws breached errorRate &#62; 0.6 over 3 s (observed 0.7)');
    expect(html).toContain('read back: the previous experiment (version 7)');
  });
});

describe('renderHtmlReport: injection counts', () => {
  const counted: TargetJournal = {
    ...target('aws', 'not-proven'),
    reason: 'every tolerance held, but injection is not proven',
    injection: {
      status: 'not-proven',
      reason: '60 probe request(s), 0 marked as injected; <slow>: no injection observed',
      requests: 60,
      markedRequests: 0,
      failuresWithoutMarker: 2,
      faults: [
        {
          id: 'slow',
          type: 'latency',
          probability: 0.5,
          injected: 0,
          expected: 30,
          minimumExpected: 14,
          status: 'not-injected',
        },
        { id: 'admin', type: 'status', probability: 1, injected: 0, status: 'not-observed' },
      ],
    },
  };
  const proven: TargetJournal = {
    ...target('gcp', 'held'),
    injection: {
      status: 'proven',
      reason: '60 probe request(s), 31 marked as injected',
      requests: 60,
      markedRequests: 31,
      failuresWithoutMarker: 0,
      faults: [
        {
          id: 'slow',
          type: 'latency',
          probability: 0.5,
          injected: 31,
          expected: 30,
          minimumExpected: 14,
          status: 'proven',
        },
      ],
    },
  };
  const html = renderHtmlReport({ ...journal, verdict: 'not-proven', targets: [counted, proven] });

  it('shows per target and per fault the injected count against the expected one', () => {
    const section = html.slice(html.indexOf('data-section="injections"'));
    expect(section).toContain('injection NOT proven');
    expect(section).toContain('0 of 60 requests marked; 2 failed without a marker');
    expect(section).toMatch(
      /slow <span class="sub">latency<\/span><\/td><td>0.5<\/td><td>0<\/td><td>30 \(≥ 14\)<\/td><td class="bad">not-injected/,
    );
    expect(section).toMatch(
      /admin <span class="sub">status<\/span><\/td><td>1<\/td><td>0<\/td><td>—<\/td><td class="">not-observed/,
    );
    expect(section).toContain('injection proven');
    expect(section).toMatch(/<td>31<\/td><td>30 \(≥ 14\)<\/td><td class="ok">proven/);
  });

  it('shows a sticky fault checked request by request: mismatch in red with the probe ids, exact in green', () => {
    const exactCheck = {
      requests: 58,
      sampled: 17,
      sampledAndMarked: 16,
      sampledButUnmarked: 1,
      markedButNotSampled: 2,
      answeredByPlatform: 0,
      heldBack: 0,
      settling: 2,
      undecided: 0,
      mismatches: [
        { probeId: 'ab12-31', atMs: 4100, sampled: true, marked: false },
        { probeId: 'ab12-40', atMs: 4300, sampled: false, marked: true },
      ],
    };
    const sticky = (status: 'exact' | 'mismatch', exact: typeof exactCheck): TargetJournal => ({
      ...target('aws', status === 'exact' ? 'held' : 'not-proven'),
      injection: {
        status: status === 'exact' ? 'proven' : 'not-proven',
        reason: 'counted',
        requests: 60,
        markedRequests: 18,
        failuresWithoutMarker: 0,
        faults: [
          {
            id: 'slow',
            type: 'latency',
            probability: 0.3,
            injected: 18,
            expected: 17,
            minimumExpected: 8,
            status,
            exact,
          },
        ],
      },
    });
    const mismatched = renderHtmlReport({ ...journal, targets: [sticky('mismatch', exactCheck)] });
    const section = mismatched.slice(mismatched.indexOf('data-section="injections"'));
    expect(section).toContain('<td class="bad">mismatch<div class="sub">17 of 58 compared requests selected');
    expect(section).toContain(
      '1 selected but not injected; 2 injected but not selected; probe ids ab12-31, ab12-40',
    );
    const agreeing = {
      ...exactCheck,
      sampledAndMarked: 17,
      sampledButUnmarked: 0,
      markedButNotSampled: 0,
      mismatches: [],
    };
    const exact = renderHtmlReport({ ...journal, targets: [sticky('exact', agreeing)] });
    expect(exact).toContain('<td class="ok">exact<div class="sub">17 of 58 compared requests selected');
  });

  it('labels a run whose injections were not proven as such, never as held', () => {
    expect(html).toContain('data-verdict="not-proven"');
    expect(html).toContain('<span class="badge not-proven">injection not proven</span>');
  });
});
