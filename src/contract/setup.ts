import { Type } from 'typebox';
import { Nullable, param, ref } from './common.js';
import { User } from './accounts.js';

/**
 * First-run setup: while no staff account exists, the server prints a one-time link
 * (`/admin/setup?token=…`) with which the first admin is created from the browser.
 */
export const SetupQuery = Type.Object({
  token: Type.Optional(
    param(
      Type.String({ maxLength: 1000 }),
      'The token of the printed setup link, to check it.',
      '1767312000.3q2-7wZz0Yk8d2m1v7VQy0b4N9cF6pXhT1sLrA5eJkU.Ox2r1Bq9dS7fK4hV0wY3zC8mN6pL5tG1jE2aR9uI0oQ',
    ),
  ),
});

export const SetupStatus = Type.Object(
  {
    setup_needed: Type.Boolean({ description: 'True while no staff account exists; false for good once one does.' }),
    token_valid: Nullable(
      Type.Boolean({ description: 'Whether `POST setup/` would take the given token now (valid, unexpired, setup not over); null when no token was given.' }),
    ),
  },
  { $id: 'SetupStatus' },
);

export const SetupBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 1000 }),
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
