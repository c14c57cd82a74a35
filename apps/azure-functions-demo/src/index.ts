export {
  createMemoryOrderRepository,
  demoOrders,
  type Order,
  type OrderRepository,
  type PricingServer,
  startPricingServer,
} from '@faultline/demo-kit';
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
export { demoFunctionNames, registerDemoFunctions } from './register.js';
