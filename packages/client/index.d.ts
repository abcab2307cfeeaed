// Types of the Shop API client. schema.d.ts is generated from the server's OpenAPI document
// (`npm run client:generate` in the repository); this file only names its parts.
import type { Client, ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };

/** Every named schema of the API (`ProductDetail`, `OrderDetail`, `Problem`, …). */
export type Schemas = components['schemas'];

/** The operations by operationId (`getApiProductsId`, `postApiOrders`, …). */
export type OperationId = keyof operations;

type JsonOf<R> = R extends { content: { 'application/json': infer B } }
  ? B
  : R extends { content: { 'application/problem+json': infer P } }
    ? P
    : never;

/** The body an operation answers with for `status` (200 unless given). */
export type ResponseBody<O extends OperationId, S extends number = 200> = operations[O] extends {
  responses: infer Rs;
}
  ? S extends keyof Rs
    ? JsonOf<Rs[S]>
    : never
  : never;

/** The JSON body an operation takes. */
export type RequestBody<O extends OperationId> = operations[O] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** The query parameters an operation takes. */
export type QueryOf<O extends OperationId> = operations[O] extends { parameters: { query?: infer Q } } ? Q : never;

/** An openapi-fetch client bound to the Shop API's paths. */
export type ShopClient = Client<paths>;

/** A client for the Shop API: `createShopClient({ baseUrl: 'https://shop.example.com' })`. */
export function createShopClient(options?: ClientOptions): ShopClient;
