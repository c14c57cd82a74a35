import { FaultlineError } from '@faultline/core';
import { context, type Span, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** The real OpenTelemetry SDK, in memory, registered as the process's tracer provider and context manager. */
export interface TestTracing {
  /** Runs `work` inside a new active span (a server span by default), ends it, and returns what `work` returned. */
  inSpan<Result>(name: string, work: (span: Span) => Promise<Result>, kind?: SpanKind): Promise<Result>;
  /** Every span ended so far. */
  spans(): ReadableSpan[];
  /** The ended span named `name` (fails when there is none or several). */
  span(name: string): ReadableSpan;
  reset(): void;
  /** Unregisters the provider and the context manager. */
  shutdown(): Promise<void>;
}

/**
 * Sets up OpenTelemetry the way an instrumented function does — `BasicTracerProvider` with a `SimpleSpanProcessor`
 * and an `InMemorySpanExporter`, the `AsyncLocalStorage` context manager — and registers both globally, so
 * `@opentelemetry/api` in faultline sees the spans.
 *
 * @example
 * ```ts
 * const tracing = startTestTracing();
 * await tracing.inSpan('GET /orders', () => wrapped(request, context));
 * expect(tracing.span('GET /orders').events.map((event) => event.name)).toContain('faultline.inject');
 * ```
 */
export function startTestTracing(): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  const tracer = trace.getTracer('faultline-tests');
  return {
    inSpan(name, work, kind = SpanKind.SERVER) {
      return tracer.startActiveSpan(name, { kind }, async (span) => {
        try {
          return await work(span);
        } finally {
          span.end();
        }
      });
    },
    spans: () => exporter.getFinishedSpans(),
    span(name) {
      const matching = exporter.getFinishedSpans().filter((span) => span.name === name);
      if (matching.length !== 1) {
        throw new FaultlineError(
          'INTERNAL',
          `expected one ended span named ${name}, found ${matching.length}`,
        );
      }
      return matching[0] as ReadableSpan;
    },
    reset: () => exporter.reset(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
