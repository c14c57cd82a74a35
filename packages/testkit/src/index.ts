export * from './backends/app-configuration-server.js';
export * from './backends/firestore-emulator.js';
export * from './backends/free-port.js';
export * from './backends/moto.js';
export * from './contracts/adapter-contract.js';
export * from './contracts/config-source-contract.js';
export * from './hosts/azure-functions-host.js';
export * from './loopback-env.js';
