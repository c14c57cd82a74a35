/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { validateRunSection } from '@faultline/core';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRunArtifacts } from '../../src/commands/run.js';
import { runExperiment } from '../../src/runner/run-experiment.js';
import { type LoopbackService, startLoopbackService } from './loopback-service.js';

// Debian's chromium; CHROMIUM_PATH overrides it (e.g. on a machine where it lives elsewhere).
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let directory: string;
let browser: Browser;
const services: LoopbackService[] = [];

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `${chromiumPath} is missing: install Debian's chromium (apt-get install chromium; .ci/run does it)`,
    );
  }
  directory = await mkdtemp(join(tmpdir(), 'faultline-report-'));
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await Promise.allSettled(services.map((service) => service.close()));
  // The screenshot and the report stay in the temp directory for a person to look at.
  if (directory !== undefined) await rm(join(directory, 'alpha.json'), { force: true });
});

describe('the HTML report in headless Chromium', () => {
  it('shows a panel per target with non-empty latency and error charts and the shaded fault window', async () => {
    // Prepare: a real run against two loopback targets
    const targets = await Promise.all(
      ['alpha', 'beta'].map(async (name) => {
        const configFile = join(directory, `${name}.json`);
        const service = await startLoopbackService({ configFile });
        services.push(service);
        return {
          name,
          cloud: 'local',
          store: { kind: 'file', path: configFile },
          probe: { url: `${service.url}/orders/o-1001` },
        };
      }),
    );
    const parsed = validateRunSection({
      hypothesis: 'three in ten failures are absorbed (they are not)',
      targets,
      steadyState: { successRatio: { min: 0.99 }, latencyMs: { p95: { max: 1500 } }, sampleSeconds: 1 },
      load: { ratePerSecond: 30, durationSeconds: 2, concurrency: 6 },
      propagationWaitMs: 300,
      recoverySeconds: 1,
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const journal = await runExperiment({
      document: {
        schemaVersion: 1,
        id: 'report-demo',
        enabled: true,
        faults: [
          { id: 'fail', type: 'status', status: 503, probability: 0.3 },
          { id: 'slow', type: 'latency', delayMs: 60, probability: 1 },
        ],
      },
      run: parsed.run,
    });
    const { reportPath } = await writeRunArtifacts(journal, parsed.run, join(directory, 'out'));
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // The report must not need the network: fail any request that is not the file itself.
    const external: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) external.push(request.url());
    });

    // Act
    await page.goto(pathToFileURL(reportPath).href);
    const screenshotPath = join(directory, 'report.png');
    await page.screenshot({ path: screenshotPath, fullPage: true });

    // Assess
    expect(external).toEqual([]);
    expect(await page.locator('section.panel').count()).toBe(2);
    expect(journal.verdict).toBe('deviated');
    expect(await page.locator('.badge[data-verdict="deviated"]').count()).toBe(1);
    const charts = await page.evaluate(() =>
      Array.from(document.querySelectorAll('section.panel')).map((panel) => ({
        series: Array.from(panel.querySelectorAll('path[data-points]')).map((path) => ({
          className: path.getAttribute('class'),
          points: Number(path.getAttribute('data-points')),
          commands: (path.getAttribute('d') ?? '').split(/[ML]/).filter((part: string) => part.trim() !== '')
            .length,
          width: (path as SVGGraphicsElement).getBBox().width,
        })),
        windows: Array.from(panel.querySelectorAll('rect.fault-window')).map(
          (rect) => (rect as SVGGraphicsElement).getBBox().width,
        ),
      })),
    );
    for (const chart of charts) {
      expect(chart.series.map((series) => series.className).sort()).toEqual([
        'series-errors',
        'series-p50',
        'series-p95',
      ]);
      for (const series of chart.series) {
        expect(series.points).toBeGreaterThan(5);
        expect(series.commands).toBe(series.points);
        expect(series.width).toBeGreaterThan(100);
      }
      expect(chart.windows).toHaveLength(2);
      for (const width of chart.windows) expect(width).toBeGreaterThan(20);
    }
    expect((await stat(screenshotPath)).size).toBeGreaterThan(20_000);
    const png = await readFile(screenshotPath);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    await page.close();
    console.info(`report screenshot: ${screenshotPath}`);
  });
});
