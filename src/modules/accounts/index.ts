/**
 * The accounts module's public face: users, sessions and addresses. Other modules and the
 * app wiring import from here only (eslint.config.js forbids deeper imports).
 */
export { accountsRoutes, addressView, type LoginHook, userView } from './routes.js';
export { type AccountsDeps, authenticate } from './service.js';
export { getAddress } from './addresses.js';
export { addressesOfUser, getUser, listUsers, updateUser, type UserFilter } from './admin.js';
export { createOrPromoteAdmin, staffContacts } from './staff.js';
export { PasswordHasher } from './passwords.js';
export { TokenSigner } from './tokens.js';
export { MemoryLoginLimiter, RedisLoginLimiter } from './login-limiter.js';
export { deleteExpiredRefreshTokens } from './repository.js';
export { deleteStalePasswordResets } from './password-reset.js';
export { setupRoutes } from './setup-routes.js';
export { setupLink } from './setup.js';
