// Everything an instance needs once it reads experiments, behind one `import()` (see `fault-runtime-loader.ts`):
// the cached config, the engine, the decision and the run of each invocation's faults. Importing an adapter loads
// none of it, so a function pays for this code on its first invocation, not in its cold import. Keep static imports
// of this file out of the adapters' import path.

export { reasonPhraseOf } from '../invocation/reason-phrases.js';
export { getSharedFaultEngine } from './shared-engines.js';
