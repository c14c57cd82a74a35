// Its own module: the adapters' code loaded at import never needs it (only the Middy middleware and the duplicate fault).
/**
 * The capability key a host sets (to `true`) when it cannot call the handler more than once per invocation — a
 * Middy middleware, where Middy calls the handler itself. Faults that need to repeat the handler (`duplicate`) are
 * then reported as `skipped` instead of injected.
 */
export const singleHandlerCallCapability = 'singleHandlerCall';
