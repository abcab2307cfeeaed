import { type Static, Type } from 'typebox';
import { ADDRESS_TYPES } from './enums.js';
import { Id, ref, Timestamp } from './common.js';

/** A user as the user sees it (staff see more: `AdminUser`). */
export const userFields = {
  id: Id,
  username: Type.String(),
  email: Type.String(),
  first_name: Type.String(),
  last_name: Type.String(),
  phone: Type.String(),
  is_staff: Type.Boolean(),
  date_joined: Timestamp,
};
export const User = Type.Object(userFields, { $id: 'User' });

export const TokenPair = Type.Object({ access: Type.String(), refresh: Type.String() }, { $id: 'TokenPair' });

const Username = Type.String({
  minLength: 3,
  maxLength: 150,
  pattern: '^[\\p{L}\\p{N}_.@+-]+$',
  'x-error': 'Enter a valid username: 3–150 letters, digits and @/./+/-/_ only.',
});
const Email = Type.String({ format: 'email', maxLength: 254 });
const Password = Type.String({ minLength: 1, maxLength: 128 });

/** A required text field: the services trim it, so whitespace alone would store ''. */
function NonBlank(maxLength: number) {
  return Type.String({
    minLength: 1,
    maxLength,
    pattern: '\\S',
    'x-error': { pattern: 'Must not be blank.' },
  });
}
const Name = NonBlank(150);
const Phone = Type.String({
  maxLength: 20,
  pattern: '^[0-9 +()-]*$',
  'x-error': 'Enter a valid phone number: digits, spaces and + ( ) - only, at most 20.',
});

export const RegisterBody = Type.Object(
  {
    username: Username,
    email: Email,
    password: Password,
    password2: Password,
    first_name: Name,
    last_name: Name,
    phone: Type.Optional(Phone),
  },
  { $id: 'RegisterBody' },
);
export type RegisterInput = Static<typeof RegisterBody>;

export const RegisterResponse = Type.Object(
  { user: ref(User), tokens: ref(TokenPair), message: Type.String() },
  { $id: 'RegisterResponse' },
);

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 254, description: 'Username or email' }),
    password: Password,
    refresh_cookie: Type.Optional(
      Type.Boolean({
        description:
          'Put the refresh token in an HttpOnly cookie for /api/auth/token/refresh/ instead of the body ' +
          '(the body’s `refresh` is then ""). For browser apps on this origin.',
      }),
    ),
  },
  { $id: 'LoginBody' },
);

export const LoginResponse = Type.Object(
  { access: Type.String(), refresh: Type.String(), user: ref(User) },
  { $id: 'LoginResponse' },
);

export const RefreshBody = Type.Object(
  {
    refresh: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Required unless the refresh cookie (set by a login with `refresh_cookie: true`) is sent.',
      }),
    ),
  },
  { $id: 'RefreshBody' },
);

export const LogoutBody = Type.Object(
  {
    refresh: Type.Optional(Type.String({ minLength: 1 })),
    all: Type.Optional(Type.Boolean({ default: false })),
    current: Type.Optional(
      Type.Boolean({
        description:
          'End the session of the access token used for this call (for a client whose refresh token is in the cookie).',
      }),
    ),
  },
  { $id: 'LogoutBody' },
);

const profileFields = {
  email: Email,
  first_name: Name,
  last_name: Name,
  phone: Type.Optional(Phone),
};
export const ProfileBody = Type.Object(profileFields, { $id: 'ProfileBody' });
export const ProfilePatchBody = Type.Partial(Type.Object(profileFields), { $id: 'ProfilePatchBody' });
export type ProfileInput = Static<typeof ProfilePatchBody>;

export const ChangePasswordBody = Type.Object(
  { old_password: Password, new_password: Password },
  { $id: 'ChangePasswordBody' },
);

export const ChangePasswordResponse = Type.Object(
  { message: Type.String(), tokens: ref(TokenPair) },
  { $id: 'ChangePasswordResponse' },
);

export const PasswordResetBody = Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }) }, {
  $id: 'PasswordResetBody',
});

export const PasswordResetConfirmBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), new_password: Password },
  { $id: 'PasswordResetConfirmBody' },
);

export const Address = Type.Object(
  {
    id: Id,
    address_type: Type.Enum([...ADDRESS_TYPES]),
    street_address: Type.String(),
    city: Type.String(),
    state: Type.String(),
    postal_code: Type.String(),
    country: Type.String(),
    phone: Type.String(),
    is_default: Type.Boolean(),
    created_at: Timestamp,
  },
  { $id: 'Address' },
);

const addressFields = {
  address_type: Type.Optional(Type.Enum([...ADDRESS_TYPES])),
  street_address: NonBlank(255),
  city: NonBlank(100),
  state: {
    ...NonBlank(100),
    description:
      'In India (country `India` in any case, or `IN`): a state or union territory by name or two-letter code, ' +
      'any case (`Karnataka`, `KA`), stored as its name. Elsewhere: free text.',
  },
  postal_code: Type.String({
    minLength: 1,
    maxLength: 20,
    description:
      'In India: a six-digit PIN, the first digit not 0 (spaces and hyphens are dropped). Elsewhere: letters, digits, spaces, hyphens.',
    // At least one letter or digit (the lookahead keeps the match linear).
    pattern: '^(?=[^A-Za-z0-9]*[A-Za-z0-9])[A-Za-z0-9 -]+$',
    'x-error': 'Enter a valid postal code: letters, digits, spaces and hyphens.',
  }),
  country: Type.Optional({ ...NonBlank(100), description: 'Default `India`.' }),
  phone: Type.Optional(Phone),
  is_default: Type.Optional(Type.Boolean()),
};
export const AddressBody = Type.Object(addressFields, { $id: 'AddressBody' });
export const AddressPatchBody = Type.Partial(Type.Object(addressFields), { $id: 'AddressPatchBody' });
export type AddressInput = Static<typeof AddressPatchBody>;

export const AddressList = Type.Array(ref(Address), { $id: 'AddressList' });

/** The schemas of this file that have a name (`$id`), for registration. */
export const accountSchemas = [
  User,
  TokenPair,
  RegisterBody,
  RegisterResponse,
  LoginBody,
  LoginResponse,
  RefreshBody,
  LogoutBody,
  ProfileBody,
  ProfilePatchBody,
  ChangePasswordBody,
  ChangePasswordResponse,
  PasswordResetBody,
  PasswordResetConfirmBody,
  Address,
  AddressBody,
  AddressPatchBody,
  AddressList,
];
