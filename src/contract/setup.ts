import { Type } from 'typebox';
import { Nullable, ref } from './common.js';
import { User } from './accounts.js';

/**
 * First-run setup: while no staff account exists, the server prints a one-time link
 * (`/admin/setup?token=…`) with which the first admin is created from the browser.
 */
export const SetupQuery = Type.Object({
  token: Type.Optional(
    Type.String({ maxLength: 200, description: 'The token of the printed setup link, to check it.' }),
  ),
});

export const SetupStatus = Type.Object(
  {
    setup_needed: Type.Boolean({ description: 'Always true: once a staff account exists the route answers 410.' }),
    token_valid: Nullable(
      Type.Boolean({ description: 'Whether the given token is valid and unexpired; null when no token was given.' }),
    ),
  },
  { $id: 'SetupStatus' },
);

export const SetupBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200 }),
    // Checked by the service, so that every wrong field is answered at once.
    username: Type.String({ maxLength: 150 }),
    email: Type.String({ maxLength: 254 }),
    password: Type.String({ maxLength: 128 }),
    refresh_cookie: Type.Optional(
      Type.Boolean({
        description:
          'Put the refresh token in an HttpOnly cookie for /api/auth/token/refresh/ instead of the body ' +
          '(the body’s `refresh` is then "").',
      }),
    ),
  },
  { $id: 'SetupBody' },
);

export const SetupResponse = Type.Object(
  { access: Type.String(), refresh: Type.String(), user: ref(User) },
  { $id: 'SetupResponse' },
);

export const DemoCatalogResult = Type.Object(
  {
    categories: Type.Integer({ minimum: 0 }),
    products: Type.Integer({ minimum: 0 }),
  },
  { $id: 'DemoCatalogResult' },
);

export const setupSchemas = [SetupStatus, SetupBody, SetupResponse, DemoCatalogResult];
