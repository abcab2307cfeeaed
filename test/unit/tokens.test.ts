/** The HS256 codec of TokenSigner, checked against jose (an independent implementation). */
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenSigner } from '../../src/modules/accounts/tokens.js';

const SECRET = 'unit-test-secret-that-is-long-enough-0123456789';
const key = new TextEncoder().encode(SECRET);
const signer = new TokenSigner(SECRET, 900, 3600);
const FAMILY = '7f1b0c3e-1d2a-4f5b-9c8d-0e1f2a3b4c5d';

function forge(claims: Record<string, unknown>, alg = 'HS256', sub = '42', exp: string | number = '5m') {
  return new SignJWT({ iss: 'shop-api', ...claims })
    .setProtectedHeader({ alg })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(alg === 'HS512' ? new TextEncoder().encode(SECRET + SECRET) : key);
}

describe('TokenSigner (HS256 with node:crypto)', () => {
  it('signs tokens that jose verifies, with the expected claims', async () => {
    const token = await signer.signAccess(42, 3, FAMILY);
    const { payload, protectedHeader } = await jwtVerify(token, key, { issuer: 'shop-api', algorithms: ['HS256'] });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ typ: 'access', ver: 3, fam: FAMILY, sub: '42', iss: 'shop-api' });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(typeof payload.jti).toBe('string');
    const refresh = await signer.signRefresh(42, 'row-id', FAMILY);
    expect(decodeJwt(refresh)).toMatchObject({ typ: 'refresh', jti: 'row-id', fam: FAMILY });
    expect(decodeProtectedHeader(refresh).alg).toBe('HS256');
  });

  it('signs the same pair again, byte for byte, for the same row and issue time', async () => {
    const issuedAt = Math.floor(Date.now() / 1000) - 5;
    const pair = await signer.signPair(42, 3, FAMILY, 'row-id', issuedAt);
    expect(await signer.signPair(42, 3, FAMILY, 'row-id', issuedAt)).toEqual(pair);
    const access = decodeJwt(pair.access);
    expect(access).toMatchObject({ typ: 'access', ver: 3, fam: FAMILY, iat: issuedAt, exp: issuedAt + 900 });
    expect(decodeJwt(pair.refresh)).toMatchObject({ jti: 'row-id', iat: issuedAt, exp: issuedAt + 3600 });
    // Another row's pair has another access-token id.
    const other = await signer.signPair(42, 3, FAMILY, 'other-row', issuedAt);
    expect(decodeJwt(other.access).jti).not.toBe(access.jti);
    expect((await signer.verifyAccess(pair.access)).familyId).toBe(FAMILY);
  });

  it('verifies tokens that jose signed', async () => {
    const token = await forge({ typ: 'access', ver: 0, fam: FAMILY });
    expect(await signer.verifyAccess(token)).toEqual({ userId: 42, version: 0, familyId: FAMILY });
  });

  it.each([
    ['another algorithm, even with a valid MAC', () => forge({ typ: 'access', ver: 0, fam: FAMILY }, 'HS512')],
    ['another issuer', () => forge({ typ: 'access', ver: 0, fam: FAMILY, iss: 'someone-else' })],
    ['the refresh type', () => forge({ typ: 'refresh', ver: 0, fam: FAMILY })],
    ['a non-numeric subject', () => forge({ typ: 'access', ver: 0, fam: FAMILY }, 'HS256', 'admin')],
    ['a fourth segment', async () => `${await forge({ typ: 'access', ver: 0, fam: FAMILY })}.x`],
    ['a changed payload', async () => {
      const [h, , s] = (await forge({ typ: 'access', ver: 0, fam: FAMILY })).split('.');
      const p = Buffer.from(JSON.stringify({ typ: 'access', ver: 0, fam: FAMILY, sub: '1', iss: 'shop-api', exp: 2e9 })).toString('base64url');
      return `${h}.${p}.${s}`;
    }],
    ['a payload that is not JSON', async () => {
      const [h, , s] = (await forge({ typ: 'access', ver: 0, fam: FAMILY })).split('.');
      return `${h}.bm90IGpzb24.${s}`;
    }],
    ['an empty string', async () => ''],
  ])('rejects %s', async (_name, make) => {
    await expect(signer.verifyAccess(await make())).rejects.toMatchObject({ code: 'token_invalid' });
  });

  it('says when a token has expired', async () => {
    const token = await forge({ typ: 'access', ver: 0, fam: FAMILY }, 'HS256', '42', Math.floor(Date.now() / 1000) - 1);
    await expect(signer.verifyAccess(token)).rejects.toMatchObject({ code: 'token_invalid', message: 'The access token has expired.' });
  });
});
