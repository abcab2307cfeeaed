/**
 * The API contract: every request and response shape (TypeBox), the enumerations and the
 * error codes, in one place. Routes import their schemas from here; a schema with an `$id` is
 * registered once (`CONTRACT_SCHEMAS`, in buildApp) and referenced with `ref()`, so that it is
 * a named component of the OpenAPI document and a named type of the generated client.
 */
import { accountSchemas } from './accounts.js';
import { adminSchemas } from './admin.js';
import { analyticsSchemas } from './analytics.js';
import { cartSchemas } from './cart.js';
import { catalogSchemas } from './catalog.js';
import { mediaSchemas } from './media.js';
import { notificationSchemas } from './notifications.js';
import { Message, Problem, Status } from './common.js';
import { orderSchemas } from './orders.js';
import { paymentSchemas } from './payments.js';
import { pricingSchemas } from './pricing.js';
import { shippingSchemas } from './shipping.js';
import { webhookSchemas } from './webhooks.js';
import { setupSchemas } from './setup.js';

export * from './accounts.js';
export * from './admin.js';
export * from './analytics.js';
export * from './cart.js';
export * from './catalog.js';
export * from './common.js';
export * from './enums.js';
export * from './errors.js';
export * from './media.js';
export * from './notifications.js';
export * from './orders.js';
export * from './payments.js';
export * from './pricing.js';
export * from './shipping.js';
export * from './webhooks.js';
export * from './setup.js';

/** Every named schema of the contract, each to be registered once with `app.addSchema`. */
export const CONTRACT_SCHEMAS = [
  Problem,
  Message,
  Status,
  ...accountSchemas,
  ...mediaSchemas,
  ...catalogSchemas,
  ...cartSchemas,
  ...orderSchemas,
  ...paymentSchemas,
  ...adminSchemas,
  ...analyticsSchemas,
  ...notificationSchemas,
  ...webhookSchemas,
  ...pricingSchemas,
  ...shippingSchemas,
  ...setupSchemas,
];
