import { createServer } from 'node:net';
import { FaultlineError } from '@faultline/core';

/**
 * A loopback TCP port that is free right now (the OS picks it), for a backend this process is about to start.
 *
 * @example
 * ```ts
 * import { findFreePort } from '@faultline/testkit';
 * const port = await findFreePort();
 * spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)]);
 * ```
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new FaultlineError('BACKEND_UNAVAILABLE', 'could not allocate a loopback port'));
      });
    });
  });
}
