export * from './accounts.js';
export * from './catalog.js';
export * from './carts.js';
export * from './orders.js';
export * from './payments.js';
export * from './idempotency.js';
export * from './analytics.js';
export * from './events.js';
