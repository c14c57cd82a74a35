export {
  clearDemoFile,
  DemoAlreadyRunningError,
  type DemoAppConfiguration,
  type DemoOptions,
  demoConfigFile,
  demoDirectory,
  type RunningDemo,
  startDemo,
  writeDemoFile,
} from './demo.js';
export { createOrderHandler, healthHandler, type OrderServiceSettings } from './order-service.js';
export { createMemoryOrderRepository, demoOrders, type Order, type OrderRepository } from './orders.js';
export { type PricingServer, startPricingServer } from './pricing-server.js';
export { demoFunctionNames, registerDemoFunctions } from './register.js';
