import { Agent, createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemSleep } from '@faultline/core/adapter-kit';
import {
  compileHostRule,
  currentInterceptionScope,
  installInterceptors,
  interceptorsInstalled,
  runInInterceptionScope,
  uninstallInterceptors,
} from '@faultline/core/interception';
import {
  type BenchRow,
  type BenchSuite,
  createRow,
  measureInterleaved,
  measureInterleavedSync,
} from '../harness.js';

/**
 * What the network interceptors cost when no fault fires: the same loopback HTTP request with the interceptors
 * installed-but-idle (the state of every instance after a blackhole/dependency fault was configured once) versus
 * not installed at all, interleaved round by round in the same process. Plus the cost while another invocation's
 * scope is active and the request does not match it.
 */

function request(url: string, agent: Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    }).on('error', reject);
  });
}

/** Wraps `work` so the interceptors are installed (or not) for the round it runs in. */
function withInterceptors(installed: boolean, work: () => Promise<unknown>): () => Promise<unknown> {
  return () => {
    if (installed !== interceptorsInstalled()) {
      if (installed) installInterceptors();
      else uninstallInterceptors();
    }
    return work();
  };
}

const idleScopeContext = { experimentId: 'bench', signal: new AbortController().signal, sleep: systemSleep };
const unrelatedRule = compileHostRule({
  faultId: 'bench',
  faultType: 'blackhole',
  hosts: ['*.dynamodb.*.amazonaws.com', '10.0.0.*'],
  action: { kind: 'refuse' },
});

export const suite: BenchSuite = {
  name: 'interceptors',
  async run(context) {
    // One scenario: the interceptors' rows share a loopback server and toggle process-wide patches between rounds.
    return context.scenario('interceptors', async () => {
      const server = createServer((_request, response) => response.end('ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
      const rounds = context.quick ? 6 : 20;
      // Fixed round sizes (~20–50 ms each): long enough that switching the interceptors on or off between rounds
      // (and re-syncing the ESM exports of node:dns) is amortized to well under 1 µs per request.
      const scale = context.quick ? 0.25 : 1;
      const scenarioRows: BenchRow[] = [];
      const note =
        'baseline: the same request with no interceptor installed; median of interleaved rounds in one process.';
      try {
        // The check every patched call makes first when no fault is active anywhere in the process.
        context.log('interceptors: idle check');
        const idleCheck = await measureInterleavedSync({
          baseline: () => undefined,
          candidate: () => currentInterceptionScope(),
          rounds,
        });
        scenarioRows.push(
          createRow({
            name: 'interceptors: idle check per intercepted call (no scope open)',
            value: idleCheck.candidateNsPerOp,
            unit: 'ns/op',
            baseline: idleCheck.baselineNsPerOp,
            target: { of: 'added', max: 5 },
            note: 'baseline: an empty function; the candidate reads the open-scope counter (no AsyncLocalStorage access).',
          }),
        );

        const cases = [
          {
            label: 'http GET on a keep-alive connection',
            iterations: 200,
            work: () => request(url, keepAlive),
          },
          { label: 'http GET on a new connection', iterations: 100, work: () => request(url, false) },
          { label: 'fetch GET', iterations: 200, work: () => fetch(url).then((response) => response.text()) },
        ];
        for (const { label, iterations, work } of cases) {
          context.log(`interceptors: ${label}`);
          const result = await measureInterleaved({
            baseline: withInterceptors(false, work),
            candidate: withInterceptors(true, work),
            rounds,
            iterations: Math.ceil(iterations * scale),
          });
          scenarioRows.push(
            createRow({
              name: `interceptors: ${label}, installed but idle`,
              value: result.candidateNsPerOp,
              unit: 'ns/op',
              baseline: result.baselineNsPerOp,
              target: { of: 'ratio', max: 1.1 },
              note: `${note} Median added: ${Math.round(result.addedNsPerOp)} ns.`,
            }),
          );
        }

        context.log('interceptors: request outside the rules while a scope is active');
        installInterceptors();
        const active = await measureInterleaved({
          baseline: () => request(url, keepAlive),
          candidate: () =>
            runInInterceptionScope(idleScopeContext, { hostRules: [unrelatedRule] }, () =>
              request(url, keepAlive),
            ),
          rounds,
          iterations: Math.ceil(200 * scale),
        });
        scenarioRows.push(
          createRow({
            name: 'interceptors: http GET in an active scope whose hosts do not match',
            value: active.candidateNsPerOp,
            unit: 'ns/op',
            baseline: active.baselineNsPerOp,
            target: { of: 'ratio', max: 1.1 },
            note: 'baseline: the same request outside any scope (interceptors installed); the candidate also pays for opening the scope.',
          }),
        );
      } finally {
        uninstallInterceptors();
        keepAlive.destroy();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      return scenarioRows;
    });
  },
};
