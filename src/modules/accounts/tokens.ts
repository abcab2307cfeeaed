import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Unauthorized } from '../../http/errors.js';

export type TokenType = 'access' | 'refresh';

export interface AccessClaims {
  userId: number;
  /** The user's token_version when the token was issued. */
  version: number;
  /** The login (refresh-token family) the token was issued for. */
  familyId: string;
}

export interface RefreshClaims {
  userId: number;
  /** The refresh_tokens row id. */
  tokenId: string;
  familyId: string;
}

const ISSUER = 'shop-api';

/** When (Unix seconds) and under which id a token is issued; now and a random id by default. */
interface Issue {
  jti?: string;
  issuedAt?: number;
}

/**
 * Signs and verifies the HS256 JWTs; the `typ` claim keeps access and refresh apart.
 *
 * HS256 is an HMAC, done here with node:crypto: 10 µs a verification where jose (WebCrypto)
 * took 150-250 µs, on every authenticated request (measured on this machine). Only HS256
 * is accepted, whatever the header says; the tests forge tokens with jose to check this
 * codec against an independent one.
 */
export class TokenSigner {
  private readonly key: Buffer;

  constructor(
    secret: string,
    readonly accessTtlSeconds: number,
    readonly refreshTtlSeconds: number,
  ) {
    this.key = Buffer.from(secret, 'utf8');
  }

  signAccess(userId: number, version: number, familyId: string, issue: Issue = {}): Promise<string> {
    return Promise.resolve(
      this.sign(
        { typ: 'access', ver: version, fam: familyId },
        userId,
        issue.jti ?? randomUUID(),
        this.accessTtlSeconds,
        issue.issuedAt,
      ),
    );
  }

  signRefresh(userId: number, tokenId: string, familyId: string, issuedAt?: number): Promise<string> {
    return Promise.resolve(
      this.sign({ typ: 'refresh', fam: familyId }, userId, tokenId, this.refreshTtlSeconds, issuedAt),
    );
  }

  /**
   * The token pair of one refresh-token row, the same bytes every time it is signed again
   * for the same row, version and issue time (a refresh-reuse grace hands it out twice).
   */
  async signPair(userId: number, version: number, familyId: string, tokenId: string, issuedAt: number) {
    const jti = createHash('sha256').update(`access:${tokenId}`).digest('base64url').slice(0, 22);
    return {
      access: await this.signAccess(userId, version, familyId, { jti, issuedAt }),
      refresh: await this.signRefresh(userId, tokenId, familyId, issuedAt),
    };
  }

  async verifyAccess(token: string): Promise<AccessClaims> {
    const payload = this.verify(token, 'access');
    if (typeof payload.ver !== 'number' || typeof payload.fam !== 'string') throw invalid('access');
    return { userId: Number(payload.sub), version: payload.ver, familyId: payload.fam };
  }

  async verifyRefresh(token: string): Promise<RefreshClaims> {
    const payload = this.verify(token, 'refresh');
    if (typeof payload.fam !== 'string' || typeof payload.jti !== 'string') throw invalid('refresh');
    return { userId: Number(payload.sub), tokenId: payload.jti, familyId: payload.fam };
  }

  /**
   * A first-run setup token: `<expiry>.<32 random bytes>.<HMAC>`, base64url. Stateless, so
   * that every instance of a cluster accepts the link one of them printed; the MAC input's
   * `setup:` prefix can never be a JWT's (those start with the header), so neither kind of
   * token passes for the other.
   */
  signSetup(ttlSeconds: number, now = Math.floor(Date.now() / 1000)): string {
    const payload = `${now + ttlSeconds}.${randomBytes(32).toString('base64url')}`;
    return `${payload}.${this.mac(`setup:${payload}`).toString('base64url')}`;
  }

  /** Whether a setup token is one this key signed, and not expired. */
  verifySetup(token: string): boolean {
    const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return false;
    // Compared as text: base64url decoding ignores the last character's low bits.
    const expected = Buffer.from(this.mac(`setup:${match[1]}.${match[2]}`).toString('base64url'));
    if (!timingSafeEqual(Buffer.from(match[3]!), expected)) return false;
    return Number(match[1]) > Date.now() / 1000;
  }

  private sign(
    claims: Record<string, unknown>,
    userId: number,
    jti: string,
    ttlSeconds: number,
    now = Math.floor(Date.now() / 1000),
  ): string {
    const body = { ...claims, sub: String(userId), iss: ISSUER, jti, iat: now, exp: now + ttlSeconds };
    const signed = `${HEADER}.${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
    return `${signed}.${this.mac(signed).toString('base64url')}`;
  }

  private mac(signed: string): Buffer {
    return createHmac('sha256', this.key).update(signed).digest();
  }

  private verify(token: string, typ: TokenType): Payload {
    const first = token.indexOf('.');
    const second = token.indexOf('.', first + 1);
    if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) throw invalid(typ);
    const header = parseSegment(token.slice(0, first));
    if (!header || header.alg !== 'HS256' || header.crit !== undefined) throw invalid(typ);
    const signature = Buffer.from(token.slice(second + 1), 'base64url');
    const expected = this.mac(token.slice(0, second));
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) throw invalid(typ);
    const payload = parseSegment(token.slice(first + 1, second));
    if (!payload || payload.iss !== ISSUER || typeof payload.exp !== 'number') throw invalid(typ);
    const now = Date.now() / 1000;
    if (typeof payload.nbf === 'number' && payload.nbf > now) throw invalid(typ);
    if (payload.exp <= now) throw new Unauthorized(`The ${typ} token has expired.`, 'token_invalid');
    if (payload.typ !== typ || typeof payload.sub !== 'string' || !/^[1-9]\d*$/.test(payload.sub)) throw invalid(typ);
    return payload;
  }
}

type Payload = Record<string, unknown> & { sub?: unknown; exp?: unknown };

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');

/** A base64url JSON object segment, or null when it is not one. */
function parseSegment(segment: string): Payload | null {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Payload) : null;
  } catch {
    return null;
  }
}

function invalid(typ: TokenType) {
  return new Unauthorized(`The ${typ} token is invalid.`, 'token_invalid');
}
