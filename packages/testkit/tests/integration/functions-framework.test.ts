import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFaultlineError } from '@faultline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunctionsFramework } from '../../src/hosts/functions-framework.js';

/*
 * testkit's own functions-framework binary serving a function folder that does not import the framework (a handler
 * exported by name), plus a second preload that reports the address each server listens on.
 */

let folder: string;
let addressPreload: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'faultline-testkit-framework-'));
  await writeFile(join(folder, 'package.json'), '{"main":"index.js"}');
  await writeFile(
    join(folder, 'index.js'),
    "exports.hello = (req, res) => res.send('hello ' + process.env.GREETING + ' from ' + req.path);\n" +
      "exports.onEvent = (event) => { console.log('event ' + event.id); };\n",
  );
  addressPreload = join(folder, 'address.mjs');
  await writeFile(
    addressPreload,
    [
      "import net from 'node:net';",
      'const listen = net.Server.prototype.listen;',
      'net.Server.prototype.listen = function (...args) {',
      "  this.once('listening', () => console.log('listening on ' + JSON.stringify(this.address())));",
      '  return listen.apply(this, args);',
      '};',
    ].join('\n'),
  );
});

afterAll(async () => {
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

describe('startFunctionsFramework', () => {
  it('serves the target on 127.0.0.1 only, with the environment and the extra preloads', async () => {
    // Prepare
    const framework = await startFunctionsFramework({
      source: folder,
      target: 'hello',
      imports: [addressPreload],
      environment: { GREETING: 'there' },
    });

    try {
      // Act
      const response = await fetch(`${framework.url}/orders/1`);

      // Assess
      expect(framework.url).toBe(`http://127.0.0.1:${framework.port}`);
      expect(response.status, framework.output()).toBe(200);
      expect(await response.text()).toBe('hello there from /orders/1');
      expect(framework.output()).toContain(
        `listening on ${JSON.stringify({ address: '127.0.0.1', family: 'IPv4', port: framework.port })}`,
      );
    } finally {
      await framework.stop();
    }
    await expect(fetch(framework.url)).rejects.toThrow();
  });

  it('passes --signature-type', async () => {
    // Prepare
    const framework = await startFunctionsFramework({
      source: folder,
      target: 'onEvent',
      signatureType: 'cloudevent',
    });

    try {
      // Act
      const response = await fetch(framework.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'ce-specversion': '1.0',
          'ce-id': 'evt-1',
          'ce-type': 'com.example.test',
          'ce-source': '//test',
        },
        body: '{}',
      });

      // Assess
      expect(response.status, framework.output()).toBeLessThan(300);
      expect(framework.output()).toContain('event evt-1');
    } finally {
      await framework.stop();
    }
  });

  it('rejects with the framework’s own output when it exits before listening, e.g. for an unknown target', async () => {
    // Act
    const failure = await startFunctionsFramework({ source: folder, target: 'missing' }).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assess
    expect(isFaultlineError(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'HOST_INIT_FAILED' });
    expect((failure as Error).message).toContain(
      'functions-framework --target=missing exited (1) before listening',
    );
    expect((failure as Error).message).toContain("Function 'missing' is not defined in the provided module.");
  });

  it('with waitUntilListening: false, returns at once and reports the exit and the output', async () => {
    // Act
    const framework = await startFunctionsFramework({
      source: folder,
      target: 'missing',
      waitUntilListening: false,
    });

    // Assess
    expect(await framework.exited).toBe(1);
    expect(framework.output()).toContain("Function 'missing' is not defined in the provided module.");
  });
});
