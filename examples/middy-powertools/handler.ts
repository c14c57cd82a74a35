// A Lambda handler composed with Middy and Powertools for AWS Lambda, with faultline's middleware last, right
// around the handler. Set FAULTLINE_SSM_PARAMETER=/faultline/orders on the function and push ./experiment.yaml
// there (`faultline push examples/middy-powertools/experiment.yaml --to aws-ssm:/faultline/orders`).
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { faultlineMiddleware } from '@faultline/aws-lambda/middy';
import { isInjectedFault } from '@faultline/core';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

const logger = new Logger({ serviceName: 'orders' });

// biome-ignore lint/suspicious/noUndeclaredEnvVars: the function's own setting, not a build input
const pricingUrl = process.env.PRICING_URL ?? 'https://pricing.internal.example/prices';

/** The price from the pricing service within 300 ms, else the list price: a slow dependency must not slow orders. */
async function priceOf(id: string): Promise<{ price: number; source: 'pricing' | 'fallback' }> {
  try {
    const response = await fetch(`${pricingUrl}/${encodeURIComponent(id)}`, {
      signal: AbortSignal.timeout(300),
    });
    if (!response.ok) throw new Error(`pricing answered ${response.status}`);
    return { price: ((await response.json()) as { price: number }).price, source: 'pricing' };
  } catch (error) {
    logger.warn('pricing unavailable, using the list price', { id, error: error as Error });
    return { price: 10, source: 'fallback' };
  }
}

async function getOrder(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const id = event.pathParameters?.id ?? 'unknown';
  logger.info('loading order', { id });
  return { statusCode: 200, body: JSON.stringify({ id, status: 'shipped', ...(await priceOf(id)) }) };
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use({
    // Your error handling sees injected errors like real ones; the log says which were a drill.
    onError: async (request) => {
      logger.error('request failed', {
        drill: isInjectedFault(request.error),
        error: request.error as Error,
      });
      request.response = { statusCode: 503, body: JSON.stringify({ message: 'try again shortly' }) };
    },
  })
  .use(faultlineMiddleware()) // last: it sits right around the handler
  .handler(getOrder);
