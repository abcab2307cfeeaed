import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The base URL of links written in answers to this request (no trailing slash). */
    publicBase(request: FastifyRequest): string;
    /** The base URL of media files (product images) in answers to this request. */
    mediaBase(request: FastifyRequest): string;
  }
}

/**
 * Whether this request came from a proxy that TRUST_PROXY names, so that the host and scheme
 * it reports (Host, X-Forwarded-Host, X-Forwarded-Proto, as Fastify reads them) are the
 * proxy's and not whatever a client typed. Fastify's own rule: `true` trusts every peer, a
 * list trusts the peers in it, and a bare hop count cannot tell a proxy from a client, so it
 * trusts no peer's host (Fastify 5 reads no X-Forwarded-Host/-Proto under a hop count either).
 */
function peerTrust(trustProxy: Config['trustProxy']): (request: FastifyRequest) => boolean {
  if (trustProxy === true) return () => true;
  if (!Array.isArray(trustProxy)) return () => false;
  const trusted = proxyAddr.compile(trustProxy);
  return (request) => {
    const peer = request.raw.socket?.remoteAddress;
    return peer !== undefined && trusted(peer, 0);
  };
}

/**
 * Links (`next`, `previous`) are absolute URLs, built from PUBLIC_URL when set; else from the
 * request when a trusted proxy reports its host; else from `http://localhost:PORT`, the
 * address a server without settings answers on. Never from a client's Host header: a forged
 * one would put links to another site into answers that caches may share.
 */
/** A host name or IP literal with an optional port: anything else is not used in a link. */
const HOST = /^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

export function installPublicUrl(app: FastifyInstance, config: Config): void {
  const fallback = `http://localhost:${config.port}`;
  const fromProxy = peerTrust(config.trustProxy);
  app.decorate('publicBase', (request: FastifyRequest) => {
    if (config.publicUrl !== null) return config.publicUrl;
    if (fromProxy(request) && HOST.test(request.host) && /^https?$/.test(request.protocol)) {
      return `${request.protocol}://${request.host}`;
    }
    return fallback;
  });
  // MEDIA_PUBLIC_URL (a CDN or the bucket's public address), else the app's own /media route.
  app.decorate('mediaBase', (request: FastifyRequest) => config.media.publicUrl ?? `${app.publicBase(request)}/media`);
}

/**
 * The absolute URL of this request's path and query under the public base. The path is
 * appended, never resolved: `//evil.example/…` (which the router accepts as `/evil.example/…`)
 * stays a path instead of naming another host.
 */
export function publicUrlOf(request: FastifyRequest): URL {
  const path = request.url.replace(/^\/+/, '/');
  return new URL(`${request.server.publicBase(request)}${path}`);
}

/** Whether clients reach the API over TLS: the cart cookie is then `Secure`. */
export function isPublicHttps(request: FastifyRequest): boolean {
  return request.server.publicBase(request).startsWith('https:') || request.protocol === 'https';
}
