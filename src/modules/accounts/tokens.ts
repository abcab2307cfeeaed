import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
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

/** Signs and verifies the HS256 JWTs; the `typ` claim keeps access and refresh apart. */
export class TokenSigner {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    readonly accessTtlSeconds: number,
    readonly refreshTtlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  signAccess(userId: number, version: number, familyId: string): Promise<string> {
    return new SignJWT({ typ: 'access', ver: version, fam: familyId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(userId))
      .setIssuer(ISSUER)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.accessTtlSeconds}s`)
      .sign(this.key);
  }

  signRefresh(userId: number, tokenId: string, familyId: string): Promise<string> {
    return new SignJWT({ typ: 'refresh', fam: familyId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(userId))
      .setIssuer(ISSUER)
      .setJti(tokenId)
      .setIssuedAt()
      .setExpirationTime(`${this.refreshTtlSeconds}s`)
      .sign(this.key);
  }

  async verifyAccess(token: string): Promise<AccessClaims> {
    const payload = await this.verify(token, 'access');
    if (typeof payload.ver !== 'number' || typeof payload.fam !== 'string') throw invalid('access');
    return { userId: Number(payload.sub), version: payload.ver, familyId: payload.fam };
  }

  async verifyRefresh(token: string): Promise<RefreshClaims> {
    const payload = await this.verify(token, 'refresh');
    if (typeof payload.fam !== 'string' || typeof payload.jti !== 'string') throw invalid('refresh');
    return { userId: Number(payload.sub), tokenId: payload.jti, familyId: payload.fam };
  }

  private async verify(token: string, typ: TokenType) {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) {
        throw new Unauthorized(`The ${typ} token has expired.`, 'token_invalid');
      }
      throw invalid(typ);
    }
    if (payload.typ !== typ || !/^[1-9]\d*$/.test(payload.sub ?? '')) throw invalid(typ);
    return payload;
  }
}

function invalid(typ: TokenType) {
  return new Unauthorized(`The ${typ} token is invalid.`, 'token_invalid');
}
