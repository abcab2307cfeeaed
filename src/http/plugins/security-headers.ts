import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet's security headers (CSP, HSTS, nosniff, frame options, …), worked out once at start-up
 * and set on every reply. Without nonces they never depend on the request, and
 * @fastify/helmet rebuilt helmet's middleware (parsing the CSP directives again) on every
 * request: 10 % of the CPU of a product detail in a profile. A route may still replace one
 * (the /docs UI sets its own CSP).
 */
export function installSecurityHeaders(app: FastifyInstance, options: HelmetOptions): void {
  const headers = securityHeaders(options);
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}

/** The shop's helmet options; `imageOrigins`: where product images may come from besides this origin. */
export function securityOptions(imageOrigins: string[]): HelmetOptions {
  return {
    // The API answers JSON; the CSP matters for /docs, whose UI needs inline styles, and for
    // the /admin app (scripts and styles from 'self' only, no inline scripts).
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Product images come from the media base (a bucket or CDN), which the admin app shows.
        imgSrc: ["'self'", 'data:', 'validator.swagger.io', ...imageOrigins],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        // Plain http on localhost must keep working (`npm start`); TLS is the proxy's job.
        upgradeInsecureRequests: null,
      },
    },
  };
}

/** The headers helmet's middleware sets with these options, by lower-case name. */
function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (err?: unknown) => {
    failure = err;
  });
  if (failure) throw failure;
  return headers;
}
