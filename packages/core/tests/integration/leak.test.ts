import dns from 'node:dns';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blackholeFault } from '../../src/faults/types/blackhole.js';
import { configFault } from '../../src/faults/types/config.js';
import { dependencyFault } from '../../src/faults/types/dependency.js';
import { diskfillFault } from '../../src/faults/types/diskfill.js';
import { activeScopeCount } from '../../src/scope/interception-scope.js';
import {
  createEffect,
  createTestFaultContext,
  type LoopbackServer,
  runAround,
  settle,
  startLoopbackServer,
} from './interceptors-support.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let server: LoopbackServer;
let directory: string;

beforeAll(async () => {
  server = await startLoopbackServer();
  directory = await mkdtemp(join(tmpdir(), 'faultline-leak-test-'));
});

afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

function getText(url: string, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

const processEvents = ['uncaughtException', 'unhandledRejection', 'exit', 'beforeExit', 'warning'] as const;

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

describe('10k invocations toggling faults on and off', () => {
  it('leaves dns, net, fetch, the temp dir, listeners and the heap as they were', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const url = `http://localhost:${server.port}/leak`;
    const effects = {
      blackhole: createEffect(blackholeFault, { hosts: ['localhost'], behavior: 'refuse' }, 'leak-blackhole'),
      dependency: createEffect(
        dependencyFault,
        { hosts: ['localhost'], effect: 'status', status: 503 },
        'leak-dep',
      ),
      config: createEffect(configFault, { env: { FL_LEAK_TEST: 'on' } }, 'leak-config'),
      diskfill: createEffect(diskfillFault, { sizeMb: 1, directory }, 'leak-diskfill'),
    };
    const connectBefore = Socket.prototype.connect;
    const lookupBefore = dns.lookup;
    const listenersBefore = processEvents.map((event) => process.listenerCount(event));

    async function invocation(index: number, faultsOn: boolean): Promise<string> {
      const request = () =>
        index % 2 === 0 ? getText(url, agent) : fetch(url).then((response) => response.text());
      if (!faultsOn) return request();
      const kind =
        index % 40 === 0 ? 'diskfill' : (['blackhole', 'dependency', 'config'] as const)[index % 3];
      const effect = effects[kind ?? 'config'];
      const context = createTestFaultContext({ type: kind ?? 'config', id: `leak-${kind}` });
      const result = await runAround(effect, context, () => settle(request()));
      return result.ok ? result.value : 'failed';
    }

    async function runBatch(start: number, size: number): Promise<string[]> {
      const faultsOn = Math.floor(start / 250) % 2 === 0;
      return Promise.all(Array.from({ length: size }, (_, offset) => invocation(start + offset, faultsOn)));
    }

    // Warm up (JIT, pools) before the baseline measurement.
    for (let start = 0; start < 1000; start += 50) await runBatch(start, 50);
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const resourcesBefore = resourceCounts();

    const outcomes: Record<string, number> = {};
    for (let start = 0; start < 10_000; start += 50) {
      for (const body of await runBatch(start, 50)) outcomes[body] = (outcomes[body] ?? 0) + 1;
    }
    collectGarbage();
    const heapAfter = process.memoryUsage().heapUsed;

    // Faults really fired, and really stopped between the "on" phases.
    expect(outcomes['ok /leak']).toBeGreaterThan(5_000);
    expect(outcomes.failed).toBeGreaterThan(1_000);
    expect(activeScopeCount()).toBe(0);
    // No patch was stacked on another, and nothing we touched stayed changed.
    expect(Socket.prototype.connect).toBe(connectBefore);
    expect(dns.lookup).toBe(lookupBefore);
    expect(process.env.FL_LEAK_TEST).toBeUndefined();
    expect((await readdir(directory)).filter((name) => name.startsWith('faultline-diskfill-'))).toEqual([]);
    expect(processEvents.map((event) => process.listenerCount(event))).toEqual(listenersBefore);
    // dns, net (http), and fetch behave as before.
    expect((await dns.promises.lookup('localhost')).address).toBe('127.0.0.1');
    expect(await getText(url, agent)).toBe('ok /leak');
    expect(await (await fetch(url)).text()).toBe('ok /leak');
    // Pooled sockets carry the same listeners as a fresh pool would: none were added per invocation.
    for (const sockets of Object.values(agent.freeSockets)) {
      for (const socket of sockets ?? []) {
        expect(socket.listenerCount('data')).toBeLessThanOrEqual(1);
        expect(socket.listenerCount('close')).toBeLessThanOrEqual(3);
      }
    }
    agent.destroy();
    // Timers and handles: nothing accumulated (sockets come and go with the pools, so allow a small margin).
    const resourcesAfter = resourceCounts();
    expect(resourcesAfter.Timeout ?? 0).toBeLessThanOrEqual((resourcesBefore.Timeout ?? 0) + 5);
    expect(resourcesAfter.TCPSocketWrap ?? 0).toBeLessThanOrEqual((resourcesBefore.TCPSocketWrap ?? 0) + 16);
    // 10k invocations may not grow the heap by more than a few MB (a leak of one closure per invocation would).
    expect(heapAfter - heapBefore).toBeLessThan(8 * 1024 * 1024);
  }, 180_000);
});
