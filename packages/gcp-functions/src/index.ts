/**
 * @faultline/gcp-functions — faultline for Google Cloud Functions (gen2 and gen1, Functions Framework): wrappers for
 * HTTP and CloudEvent functions. The Firestore config source lives in `@faultline/gcp-functions/firestore`.
 * @packageDocumentation
 */
export { type CloudEventHandler, withCloudEventFaults } from './cloud-event/with-cloud-event-faults.js';
export { type HttpHandler, withFaults } from './http/with-faults.js';
export type { CloudEventLike, FunctionIdentityOptions } from './invocation.js';
export { defaultMaxCapturedBodyBytes, type GcpFaultlineOptions } from './options.js';
