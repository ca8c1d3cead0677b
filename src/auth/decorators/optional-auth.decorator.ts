import { SetMetadata } from '@nestjs/common';

export const OPTIONAL_AUTH_KEY = 'auth:optional';

/**
 * A bearer token is optional, but one that is presented must be valid: a forged or revoked token
 * never degrades to "anonymous". Used by logout, which also accepts a refresh token instead.
 */
export const OptionalAuth = () => SetMetadata(OPTIONAL_AUTH_KEY, true);
