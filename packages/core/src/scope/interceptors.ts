import {
  dnsInterceptorInstalled,
  installDnsInterceptor,
  uninstallDnsInterceptor,
} from './dns-interceptor.js';
import {
  installSocketInterceptor,
  socketInterceptorInstalled,
  uninstallSocketInterceptor,
} from './socket-interceptor.js';

/**
 * Installs the network interceptors (`net.Socket` connect and write, `dns.lookup`, `dns.promises.lookup`,
 * `dns.resolve*`, `Resolver#resolve*`) once per process. Fault types that need interception call it when their
 * effect is created; calling it again is a no-op, so no patch ever stacks up.
 *
 * Installed interceptors are inert until a sampled invocation opens an interception scope: with no scope open
 * they call straight through after one number comparison, and calls they do not match are never changed.
 *
 * @example
 * ```ts
 * import { installInterceptors, interceptorsInstalled } from '@faultline/core/interception';
 * installInterceptors();
 * interceptorsInstalled(); // true
 * ```
 */
export function installInterceptors(): void {
  installSocketInterceptor();
  installDnsInterceptor();
}

/**
 * Removes the interceptors. Not needed in production (the patches are inert without an active scope); meant for
 * tests that compare behaviour with and without them.
 *
 * @example
 * ```ts
 * afterAll(() => uninstallInterceptors());
 * ```
 */
export function uninstallInterceptors(): void {
  uninstallSocketInterceptor();
  uninstallDnsInterceptor();
}

/**
 * Whether the interceptors are installed in this process.
 *
 * @example
 * ```ts
 * if (!interceptorsInstalled()) installInterceptors();
 * ```
 */
export function interceptorsInstalled(): boolean {
  return socketInterceptorInstalled() && dnsInterceptorInstalled();
}
