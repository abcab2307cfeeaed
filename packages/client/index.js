// The typed Shop API client: openapi-fetch bound to the generated `paths` (see index.d.ts).
import createClient from 'openapi-fetch';

/** A client for the Shop API at `baseUrl` (for example "https://shop.example.com"). */
export function createShopClient(options = {}) {
  return createClient(options);
}
