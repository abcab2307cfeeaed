/** The stable error codes of problem+json bodies; src/http/errors.ts throws them. */

/** Every `code` a problem+json body can carry, with what it means (shown in the OpenAPI doc). */
export const ERROR_CODES = {
  validation_error: [400, 'The input failed validation; `errors` names each field and what is wrong.'],
  bad_request: [400, 'The request is malformed (for example, a body that is not valid JSON, a malformed URL or invalid HTTP).'],
  cart_empty: [400, 'Checkout was attempted with an empty cart.'],
  insufficient_stock: [400, 'A cart line asks for more than the product has in stock, or the product is inactive.'],
  use_variants: [400, 'The product has several variants: price and stock are set on each variant, not on the product.'],
  variant_required: [400, 'The product has several variants: add one by `variant_id`.'],
  total_too_large: [400, 'The cart or order would total more than 99999999.99; nothing was changed.'],
  invalid_signature: [400, 'A Razorpay signature did not match.'],
  not_authenticated: [401, 'No bearer token was given where one is required.'],
  token_invalid: [401, 'The token is malformed, expired, revoked, or of the wrong kind.'],
  authentication_failed: [401, 'Wrong username/email or password, or the account is inactive.'],
  permission_denied: [403, 'Authenticated, but not allowed to do this (admin only).'],
  not_found: [404, 'No such object, or it is not yours.'],
  route_not_found: [404, 'No route matches this method and path.'],
  conflict: [409, 'The object is in a state that does not allow this.'],
  idempotency_conflict: [409, 'The Idempotency-Key was used before with a different body, or that request is still running.'],
  request_timeout: [408, 'The request was not received in time.'],
  payload_too_large: [413, 'The body is larger than 1 MiB, or an uploaded file larger than MEDIA_MAX_BYTES (10 MiB by default).'],
  uri_too_long: [414, 'A path segment is longer than the router accepts (220 characters).'],
  unsupported_media_type: [415, 'The body is not JSON (Content-Type must be application/json); an image upload must be multipart/form-data.'],
  headers_too_large: [431, 'The request line and headers together are larger than the server accepts (16 KiB by default).'],
  rate_limited: [429, 'Too many requests; retry after the number of seconds in Retry-After.'],
  too_many_login_attempts: [429, 'Too many failed logins for this username from this address; see Retry-After.'],
  internal_error: [500, 'An unexpected error; it is logged with the request id.'],
  service_unavailable: [503, 'A dependency (database, payment gateway) is down or not configured; retry after the seconds in Retry-After.'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERROR_CODES;
