export {
  attachDependencyFaults,
  createDependencyFaultMiddleware,
  type DependencyFaultMiddlewareOptions,
  dependencyFaultMiddlewareName,
  InjectedServiceError,
  type SdkClientLike,
  type SdkHandlerContextLike,
  type SdkHandlerLike,
  type SdkHandlerOutputLike,
  type SdkMiddlewareArgsLike,
  type SdkMiddlewareLike,
  type SdkMiddlewareStackLike,
} from './dependency-fault-middleware.js';
