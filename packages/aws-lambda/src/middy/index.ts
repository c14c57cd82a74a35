/**
 * `@faultline/aws-lambda/middy` — the Middy middleware. `@middy/core` is an optional peer; its types are redefined
 * locally.
 * @packageDocumentation
 */
export {
  disabledFaultlineMiddleware,
  faultlineMiddleware,
  type MiddyMiddleware,
  type MiddyRequest,
} from './faultline-middleware.js';
